import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { StackStats } from "../server/stack.ts";
import { signStackone } from "../shared/sources/stackone/signature.ts";

// End to end over HTTP, in one run on one load generator: signed StackOne webhooks to a bare
// server that answers 202 and does nothing (the ceiling), to `npm start` on SQLite, and to
// `npm start` on DynamoDB (dynalite). Each row: accepted/s, its ratio to the ceiling, latency,
// how long after the last 202 every event was counted, end-to-end events/s, writes per event
// and the stack's peak resident memory.
const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const STORM_EVENTS = Number(process.env.BENCH_STORM_EVENTS ?? 100_000);
/** Sent first to every server and not measured: a long-running server is warm (JIT, caches). */
const WARMUP_SHARE = 0.1;
const ENGINES = (process.env.BENCH_ENGINES ?? "sqlite,dynamodb").split(",");
const INCIDENTS = 100;
const SECRET = "bench-secret";

type Running = { url: string; stop(): Promise<void> };
type Scenario = {
  name: string;
  events: number;
  perRequest: number;
  concurrency: number;
  incidents: number;
};

const SCENARIOS: Scenario[] = [
  {
    name: "1 event/request, 32 conn",
    events: EVENTS,
    perRequest: 1,
    concurrency: 32,
    incidents: INCIDENTS,
  },
  {
    name: "1 event/request, 8 conn",
    events: EVENTS,
    perRequest: 1,
    concurrency: 8,
    incidents: INCIDENTS,
  },
  {
    name: "100 events/request, 8 conn",
    events: STORM_EVENTS,
    perRequest: 100,
    concurrency: 8,
    incidents: 1,
  },
];

/** Runs `command` (the stack: `npm start`, as a user does) and waits for `ready` in its output. */
function spawnServer(
  command: string[],
  env: Record<string, string>,
  ready: RegExp,
): Promise<Running> {
  const [file = "", ...args] = command;
  const child: ChildProcess = spawn(file, args, {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  let output = "";
  const closed = new Promise<void>((resolve) => child.stdout?.once("close", () => resolve()));
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk;
      const m = ready.exec(output);
      if (m?.[1]) {
        child.stdout?.off("data", onData);
        child.stdout?.resume();
        resolve({
          url: m[1],
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

function event(i: number, incidents: number, run: string) {
  const account = `acct_${i % incidents}`;
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

async function load(url: string, s: Scenario, run: string) {
  const bodies: string[] = [];
  for (let i = 0; i < s.events; i += s.perRequest) {
    const events = Array.from({ length: Math.min(s.perRequest, s.events - i) }, (_, k) =>
      event(i + k, s.incidents, run),
    );
    bodies.push(s.perRequest === 1 ? (events[0] ?? "") : `[${events.join(",")}]`);
  }
  const signatures = bodies.map((b) => signStackone(SECRET, b));
  const latencies: number[] = [];
  let next = 0;
  let failed = 0;
  // node:http on kept-alive sockets, one per connection: fetch tops out near 2,200 requests a
  // second here, below what even a bare Node server takes, which would hide the difference.
  const agent = new Agent({ keepAlive: true, maxSockets: s.concurrency });
  const target = new URL(`${url}/webhooks/stackone`);
  const post = (i: number) =>
    new Promise<number>((resolve, reject) => {
      const body = bodies[i] ?? "";
      const req = request(
        target,
        {
          method: "POST",
          agent,
          headers: {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body),
            "x-stackone-signature": signatures[i] ?? "",
          },
        },
        (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: s.concurrency }, async () => {
      while (next < bodies.length) {
        const i = next++;
        const t = performance.now();
        if ((await post(i)) !== 202) failed++;
        latencies.push(performance.now() - t);
      }
    }),
  );
  agent.destroy();
  const lastAck = performance.now();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  return {
    started,
    lastAck,
    perSecond: s.events / ((lastAck - started) / 1000),
    p50: pct(0.5),
    p99: pct(0.99),
    failed,
  };
}

/** The stacks run with this admin token; stats and incidents are behind it. */
const ADMIN_TOKEN = "bench-admin-token";
const admin = { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } };

const stats = async (url: string) =>
  (await (await fetch(`${url}/_local/stats`, admin)).json()) as StackStats;

/** Waits until every event is counted; gives up once the queue is idle and nothing moves for 10 s. */
async function counted(url: string, expected: number) {
  let last = -1;
  let stillSince = performance.now();
  for (;;) {
    const { incidents } = (await (await fetch(`${url}/incidents?limit=1000`, admin)).json()) as {
      incidents: { count: number }[];
    };
    const total = incidents.reduce((a, i) => a + i.count, 0);
    const at = performance.now();
    // Read after the count, so the writes it reports include every counted event's.
    const s = await stats(url);
    const idle = s.queue.pending === 0 && s.queue.inFlight === 0;
    if (total !== last) {
      last = total;
      stillSince = at;
    }
    if (total >= expected || (idle && at - stillSince > 10_000)) return { at, total, stats: s };
    await new Promise((r) => setTimeout(r, 20));
  }
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

const rows: string[][] = [];
const ceiling = await spawnServer(
  [process.execPath, "--import", "tsx", "bench/support/ceiling-server.ts"],
  {},
  /listening (http:\/\/\S+)/,
);
try {
  for (const [n, scenario] of SCENARIOS.entries()) {
    const warmup = { ...scenario, events: Math.ceil(scenario.events * WARMUP_SHARE) };
    await load(ceiling.url, warmup, `ceiling-warmup-${n}`);
    const base = await load(ceiling.url, scenario, `ceiling-${n}`);
    rows.push([
      scenario.name,
      "ceiling",
      fmt(base.perSecond),
      "1.00",
      `${fmt(base.p50, 1)} / ${fmt(base.p99, 1)}`,
      "",
      "",
      "",
      "",
      String(base.failed),
    ]);
    for (const engine of ENGINES) {
      const dir = mkdtempSync(join(tmpdir(), "quirkwatch-bench-"));
      const stack = await spawnServer(
        ["npm", "start", "--silent"],
        {
          PORT: "0",
          DATA_DIR: dir,
          QUIRKWATCH_ENGINE: engine,
          STACKONE_WEBHOOK_SECRET: SECRET,
          ADMIN_TOKEN,
          SWEEP_INTERVAL_SECONDS: "3600",
        },
        /Webhook URL\s+(http:\/\/\S+)\/webhooks\/stackone/,
      );
      try {
        await load(stack.url, warmup, `${engine}-warmup-${n}`);
        const before = await counted(stack.url, warmup.events);
        const ours = await load(stack.url, scenario, `${engine}-${n}`);
        const done = await counted(stack.url, before.total + scenario.events);
        const total = done.total - before.total;
        const [w, w0] = [done.stats.writes, before.stats.writes];
        rows.push([
          scenario.name,
          engine,
          fmt(ours.perSecond),
          fmt(ours.perSecond / base.perSecond, 2),
          `${fmt(ours.p50, 1)} / ${fmt(ours.p99, 1)}`,
          `${fmt((done.at - ours.lastAck) / 1000, 2)} s${total === scenario.events ? "" : ` (${total} of ${scenario.events})`}`,
          fmt(scenario.events / ((done.at - ours.started) / 1000)),
          fmt((w.event - w0.event + w.incident - w0.incident) / scenario.events, 3),
          `${fmt(done.stats.peak_rss_bytes / 2 ** 20)} MB`,
          String(ours.failed),
        ]);
      } finally {
        await stack.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
} finally {
  await ceiling.stop();
}

console.log(
  `\nEnd to end: signed StackOne webhooks over ${INCIDENTS} incidents (1 for 100 events/request)`,
);
const header = [
  "load",
  "server",
  "accepted ev/s",
  "× ceiling",
  "p50 / p99 ms",
  "last 202 → all counted",
  "end-to-end ev/s",
  "writes/event",
  "peak RSS",
  "non-202",
];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
const line = (cells: string[]) =>
  `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
console.log(line(header));
console.log(line(widths.map((w) => "-".repeat(w))));
for (const row of rows) console.log(line(row));
