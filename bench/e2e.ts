import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { Agent, request } from "node:http";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { signStackone } from "../shared/sources/stackone/signature.ts";
import { ensureAlertmanager, startAlertmanager } from "./support/alertmanager.ts";

/**
 * `npm run bench:e2e [-- --quick]`: one load generator, three servers, the same events.
 * - bare: a node:http server that reads each body and answers 202 (the ceiling);
 * - Alertmanager (Debian's `prometheus-alertmanager`): the events posted as alerts to
 *   /api/v2/alerts, one route grouping by account, provider and category;
 * - Quirkwatch through `npm start`, as a user runs it (SQLite; BENCH_ENGINES=sqlite,dynamodb adds
 *   the DynamoDB engine on dynalite).
 * Each server takes an unmeasured warm-up, then RUNS measured runs; the table shows the median
 * and the spread (lowest–highest) of each figure, and ratios against the bare server and
 * Alertmanager measured in this same run.
 */
const QUICK = process.argv.includes("--quick");
const EVENTS = Number(process.env.BENCH_EVENTS ?? (QUICK ? 4_000 : 20_000));
const STORM_EVENTS = Number(process.env.BENCH_STORM_EVENTS ?? (QUICK ? 20_000 : 100_000));
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
/** Sent first to every server and not measured: a long-running server is warm (JIT, caches). */
const WARMUP_SHARE = 0.25;
const ENGINES = (process.env.BENCH_ENGINES ?? "sqlite").split(",").filter(Boolean);
const ACCOUNTS = 100;
const SECRET = "bench-secret";
/** The stacks run with this admin token; stats and incidents are behind it. */
const ADMIN_TOKEN = "bench-admin-token";
const admin = { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } };

type Scenario = { name: string; events: number; perRequest: number; concurrency: number };
const SCENARIOS: Scenario[] = [
  { name: "1 event/request, 8 conn", events: EVENTS, perRequest: 1, concurrency: 8 },
  { name: "1 event/request, 32 conn", events: EVENTS, perRequest: 1, concurrency: 32 },
  { name: "100 events/request, 8 conn", events: STORM_EVENTS, perRequest: 100, concurrency: 8 },
];

type Target = {
  kind: "bare" | "alertmanager" | "quirkwatch";
  url: string;
  path: string;
  pid?: number;
  /** Quirkwatch answers 202, Alertmanager 200. */
  ok: number;
};

/** Runs `command` and waits for `ready` in its output. */
function spawnServer(command: string[], env: Record<string, string>, ready: RegExp) {
  const [file = "", ...args] = command;
  const child: ChildProcess = spawn(file, args, {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  let output = "";
  const closed = new Promise<void>((resolve) => child.stdout?.once("close", () => resolve()));
  return new Promise<{ url: string; pid: number; stop(): Promise<void> }>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk;
      const m = ready.exec(output);
      if (m?.[1]) {
        child.stdout?.off("data", onData);
        child.stdout?.resume();
        resolve({
          url: m[1],
          pid: child.pid ?? 0,
          stop: async () => {
            if (child.pid) process.kill(-child.pid, "SIGTERM");
            await closed;
          },
        });
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (c) => {
      output += c;
    });
    closed.then(() => reject(new Error(`server exited:\n${output}`)));
  });
}

/** One failed request, as StackOne's webhook carries it; 100 accounts, or 1 in the storm. */
function stackoneEvent(i: number, accounts: number, run: string) {
  const account = `acct_${i % accounts}`;
  return JSON.stringify({
    id: `bench-${run}-${i}`,
    event: "request.failed",
    event_date: new Date().toISOString(),
    account_id: account,
    provider: "lever",
    origin_owner_name: `Customer ${account}`,
    data: {
      request_id: `req_${i}`,
      status: 503,
      request: { method: "GET", url: "https://api.stackone.com/unified/ats/candidates" },
      message: "Lever is temporarily down for maintenance",
    },
  });
}

/** The same event as an Alertmanager alert: the grouping labels, and its id so none dedupe. */
function alert(i: number, accounts: number, run: string) {
  const account = `acct_${i % accounts}`;
  return JSON.stringify({
    labels: {
      alertname: "request.failed",
      account_id: account,
      provider: "lever",
      category: "provider_unavailable",
      event_id: `bench-${run}-${i}`,
    },
    annotations: {
      summary: "Lever is temporarily down for maintenance",
      customer: `Customer ${account}`,
      request_id: `req_${i}`,
    },
    startsAt: new Date().toISOString(),
    generatorURL: "https://api.stackone.com/unified/ats/candidates",
  });
}

type Body = { body: string; signature?: string };

/** Bodies (and signatures) are built before the clock starts. */
function bodies(target: Target, s: Scenario, run: string): Body[] {
  const accounts = s.perRequest === 1 ? ACCOUNTS : 1;
  const out: Body[] = [];
  for (let i = 0; i < s.events; i += s.perRequest) {
    const n = Math.min(s.perRequest, s.events - i);
    if (target.kind === "alertmanager") {
      out.push({
        body: `[${Array.from({ length: n }, (_, k) => alert(i + k, accounts, run)).join(",")}]`,
      });
      continue;
    }
    const events = Array.from({ length: n }, (_, k) => stackoneEvent(i + k, accounts, run));
    const body = s.perRequest === 1 ? (events[0] ?? "") : `[${events.join(",")}]`;
    out.push({ body, signature: signStackone(SECRET, body) });
  }
  return out;
}

type Load = {
  started: number;
  lastAck: number;
  perSecond: number;
  p50: number;
  p99: number;
  failed: number;
  /** The load generator's own CPU (user + system) per request, in microseconds. */
  cpuPerRequest: number;
};

async function load(target: Target, s: Scenario, run: string): Promise<Load> {
  const prepared = bodies(target, s, run);
  const latencies = new Float64Array(prepared.length);
  let next = 0;
  let failed = 0;
  // node:http on kept-alive sockets, one per connection: fetch tops out near 2,200 requests a
  // second here, below what even a bare Node server takes, which would hide the difference.
  const agent = new Agent({ keepAlive: true, maxSockets: s.concurrency });
  const { hostname, port } = new URL(target.url);
  const post = (item: Body) =>
    new Promise<number>((resolve, reject) => {
      const headers: Record<string, string | number> = {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(item.body),
      };
      if (item.signature) headers["x-stackone-signature"] = item.signature;
      const req = request(
        { hostname, port, path: target.path, method: "POST", agent, headers },
        (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
        },
      );
      req.on("error", reject);
      req.end(item.body);
    });
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: s.concurrency }, async () => {
      while (next < prepared.length) {
        const i = next++;
        const t = performance.now();
        if ((await post(prepared[i] as Body)) !== target.ok) failed++;
        latencies[i] = performance.now() - t;
      }
    }),
  );
  const lastAck = performance.now();
  const used = process.cpuUsage(cpu);
  agent.destroy();
  latencies.sort();
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  return {
    started,
    lastAck,
    perSecond: s.events / ((lastAck - started) / 1000),
    p50: pct(0.5),
    p99: pct(0.99),
    failed,
    cpuPerRequest: (used.user + used.system) / prepared.length,
  };
}

type StackStats = {
  writes: { event: number; incident: number };
  queue: { pending: number; inFlight: number };
  peak_rss_bytes: number;
};
const stats = async (url: string) =>
  (await (await fetch(`${url}/_local/stats`, admin)).json()) as StackStats;

/** Waits until every event is counted; gives up once the queue is idle and nothing moves for 10 s. */
async function counted(url: string, expected: number) {
  let last = -1;
  let stillSince = performance.now();
  for (;;) {
    const { incidents } = (await (await fetch(`${url}/incidents?limit=1000`, admin)).json()) as {
      incidents: { count: number; scope: string }[];
    };
    // A provider-wide incident counts the same events again, across accounts: leave it out.
    const total = incidents.reduce((a, i) => a + (i.scope === "provider" ? 0 : i.count), 0);
    const at = performance.now();
    // Read after the count, so the writes it reports include every counted event's.
    const s = await stats(url);
    const idle = s.queue.pending === 0 && s.queue.inFlight === 0;
    if (total !== last) {
      last = total;
      stillSince = at;
    }
    if (total >= expected || (idle && at - stillSince > 10_000)) return { at, total, stats: s };
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Peak resident memory of a process, from Linux's VmHWM. */
function peakRss(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m?.[1] ?? 0) * 1024;
}

type Run = Load & {
  /** Quirkwatch: last 202 → every event counted; end-to-end events/s; writes per event. */
  drainMs?: number;
  endToEnd: number;
  writesPerEvent?: number;
  peakRss: number;
  lost: number;
};

type Server = Target & { name: string; stop(): Promise<void>; done?: () => Promise<number> };

async function measure(server: Server, s: Scenario, n: number): Promise<Run[]> {
  const warmup = {
    ...s,
    events: Math.ceil((s.events * WARMUP_SHARE) / s.perRequest) * s.perRequest,
  };
  await load(server, warmup, `${server.name}-warmup-${n}`);
  let before = server.kind === "quirkwatch" ? await counted(server.url, warmup.events) : undefined;
  const runs: Run[] = [];
  for (let r = 0; r < RUNS; r++) {
    const ours = await load(server, s, `${server.name}-${n}-${r}`);
    if (before === undefined) {
      runs.push({
        ...ours,
        endToEnd: ours.perSecond,
        peakRss: server.pid ? peakRss(server.pid) : 0,
        lost: 0,
      });
      continue;
    }
    const done = await counted(server.url, before.total + s.events);
    const [w, w0] = [done.stats.writes, before.stats.writes];
    runs.push({
      ...ours,
      drainMs: done.at - ours.lastAck,
      endToEnd: s.events / ((done.at - ours.started) / 1000),
      writesPerEvent: (w.event - w0.event + w.incident - w0.incident) / s.events,
      peakRss: done.stats.peak_rss_bytes,
      lost: s.events - (done.total - before.total),
    });
    before = done;
  }
  return runs;
}

async function startServer(kind: string): Promise<Server> {
  if (kind === "bare") {
    const s = await spawnServer(
      [process.execPath, "--import", "tsx", "bench/support/ceiling-server.ts"],
      {},
      /listening (http:\/\/\S+)/,
    );
    return { ...s, kind: "bare", name: "bare node:http", path: "/webhooks/stackone", ok: 202 };
  }
  if (kind === "alertmanager") {
    const am = await startAlertmanager();
    return { ...am, kind, name: "Alertmanager", path: "/api/v2/alerts", ok: 200 };
  }
  const dir = mkdtempSync(join(tmpdir(), "quirkwatch-bench-"));
  const stack = await spawnServer(
    ["npm", "start", "--silent"],
    {
      PORT: "0",
      DATA_DIR: dir,
      QUIRKWATCH_ENGINE: kind,
      STACKONE_WEBHOOK_SECRET: SECRET,
      ADMIN_TOKEN,
      SWEEP_INTERVAL_SECONDS: "3600",
    },
    /Webhook URL\s+(http:\/\/\S+)\/webhooks\/stackone/,
  );
  return {
    ...stack,
    kind: "quirkwatch",
    name: `Quirkwatch (${kind})`,
    path: "/webhooks/stackone",
    ok: 202,
    async stop() {
      await stack.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};
const fmt = (n: number, digits = 0) =>
  n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
/** The median, and the spread of the runs as ± half the range in percent of the median. */
const withSpread = (xs: number[], digits = 0) => {
  const m = median(xs);
  const spread = m === 0 ? 0 : ((Math.max(...xs) - Math.min(...xs)) / 2 / m) * 100;
  return xs.length > 1 ? `${fmt(m, digits)} ±${fmt(spread)}%` : fmt(m, digits);
};

const log = (line: string) => console.error(line);
const kinds = ["bare", ...(ensureAlertmanager(log) ? ["alertmanager"] : []), ...ENGINES];
const results = new Map<string, Map<string, Run[]>>();
const loadBefore = loadavg();
for (const [n, scenario] of SCENARIOS.entries()) {
  const row = new Map<string, Run[]>();
  results.set(scenario.name, row);
  for (const kind of kinds) {
    const server = await startServer(kind);
    try {
      log(`${scenario.name}: ${server.name}…`);
      row.set(server.name, await measure(server, scenario, n));
    } finally {
      await server.stop();
    }
  }
}
const loadAfter = loadavg();

const header = [
  "load",
  "server",
  "accepted ev/s",
  "× bare",
  "end-to-end ev/s",
  "× Alertmanager",
  "p50 ms",
  "p99 ms",
  "p99 × AM",
  "last 2xx → all counted",
  "peak RSS",
  "writes/event",
  "lost",
  "generator CPU/req",
];
const rows: string[][] = [];
for (const [name, row] of results) {
  const bare = median(row.get("bare node:http")?.map((r) => r.perSecond) ?? []);
  const am = row.get("Alertmanager");
  const amRate = am ? median(am.map((r) => r.perSecond)) : 0;
  const amP99 = am ? median(am.map((r) => r.p99)) : 0;
  for (const [server, runs] of row) {
    const rate = median(runs.map((r) => r.perSecond));
    const isQw = runs[0]?.drainMs !== undefined;
    const e2e = median(runs.map((r) => r.endToEnd));
    const p99 = median(runs.map((r) => r.p99));
    rows.push([
      name,
      server,
      withSpread(runs.map((r) => r.perSecond)),
      server === "bare node:http" ? "1.00" : fmt(rate / bare, 2),
      server === "bare node:http" ? "" : withSpread(runs.map((r) => r.endToEnd)),
      server === "bare node:http" || !am ? "" : fmt(e2e / amRate, 2),
      withSpread(
        runs.map((r) => r.p50),
        1,
      ),
      withSpread(
        runs.map((r) => r.p99),
        1,
      ),
      server === "bare node:http" || !am ? "" : fmt(p99 / amP99, 2),
      isQw
        ? `${withSpread(
            runs.map((r) => (r.drainMs ?? 0) / 1000),
            2,
          )} s`
        : server === "Alertmanager"
          ? "0 (in memory)"
          : "",
      `${fmt(Math.max(...runs.map((r) => r.peakRss)) / 2 ** 20)} MB`,
      isQw
        ? fmt(median(runs.map((r) => r.writesPerEvent ?? 0)), 2)
        : server === "Alertmanager"
          ? "0"
          : "",
      String(runs.reduce((a, r) => a + r.lost + r.failed, 0)),
      `${fmt(median(runs.map((r) => r.cpuPerRequest)))} µs`,
    ]);
  }
}

console.log(
  `\nEnd to end${QUICK ? " (--quick)" : ""}: ${EVENTS.toLocaleString("en-US")} events over ${ACCOUNTS} accounts per run ` +
    `(${STORM_EVENTS.toLocaleString("en-US")} on 1 account at 100 a request); median of ${RUNS} runs ±half their range; ` +
    `an unmeasured warm-up of ${WARMUP_SHARE * 100}% first. Load average ${loadBefore.map((l) => l.toFixed(2)).join(" ")} before, ` +
    `${loadAfter.map((l) => l.toFixed(2)).join(" ")} after.`,
);
console.log(
  "Alertmanager keeps alerts in memory: it has counted an alert when it answers, so its end-to-end rate is its accepted rate. " +
    "lost = non-2xx answers + events never counted.",
);
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
const line = (cells: string[]) =>
  `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
console.log(line(header));
console.log(line(widths.map((w) => "-".repeat(w))));
for (const row of rows) console.log(line(row));
