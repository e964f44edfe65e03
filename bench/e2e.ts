import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { signStackone } from "../shared/sources/stackone/signature.ts";

// End to end over HTTP: a load generator sends signed StackOne webhooks, one event per request as
// StackOne does, to the local stack and to a bare server that answers 202 and does nothing.
const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const INCIDENTS = 100;
const STORM_EVENTS = Number(process.env.BENCH_STORM_EVENTS ?? 20_000);
const SECRET = "bench-secret";

type Running = { url: string; stop(): Promise<void> };
type Stats = {
  queue: { pending: number; inFlight: number; deliveredBatches: number };
  dynamo_writes: { event: number; incident: number; other: number };
};

function spawnServer(args: string[], env: Record<string, string>, ready: RegExp): Promise<Running> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", ...args], {
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

function payload(i: number, incidents: number) {
  const account = `acct_${i % incidents}`;
  return JSON.stringify({
    id: `bench-${incidents}-${i}`,
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

async function load(url: string, events: number, incidents: number, concurrency: number) {
  const bodies = Array.from({ length: events }, (_, i) => payload(i, incidents));
  const signatures = bodies.map((b) => signStackone(SECRET, b));
  const latencies: number[] = [];
  let next = 0;
  let failed = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < events) {
        const i = next++;
        const t = performance.now();
        const response = await fetch(`${url}/webhooks/stackone`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-stackone-signature": signatures[i] ?? "",
          },
          body: bodies[i],
        });
        await response.arrayBuffer();
        if (response.status !== 202) failed++;
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  return {
    perSecond: events / seconds,
    p50: pct(0.5),
    p99: pct(0.99),
    failed,
    sentAt: performance.now(),
  };
}

async function stats(url: string): Promise<Stats> {
  return (await (await fetch(`${url}/_local/stats`)).json()) as Stats;
}

/** Waits until every event is counted; gives up once the queue is idle and nothing moves for 10 s. */
async function counted(url: string, expected: number, since: number) {
  let last = -1;
  let stillSince = performance.now();
  for (;;) {
    const s = await stats(url);
    const { incidents } = (await (await fetch(`${url}/incidents?limit=1000`)).json()) as {
      incidents: { count: number }[];
    };
    const total = incidents.reduce((a, i) => a + i.count, 0);
    const idle = s.queue.pending === 0 && s.queue.inFlight === 0;
    if (total !== last) {
      last = total;
      stillSince = performance.now();
    }
    if ((total >= expected && idle) || (idle && performance.now() - stillSince > 10_000)) {
      return { seconds: (performance.now() - since) / 1000, total, stats: s };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

const ceiling = await spawnServer(
  ["bench/support/ceiling-server.ts"],
  {},
  /listening (http:\/\/\S+)/,
);
const rows: string[][] = [];
try {
  for (const concurrency of [8, 32]) {
    const dir = mkdtempSync(join(tmpdir(), "quirkwatch-bench-"));
    const stack = await spawnServer(
      ["scripts/start.ts"],
      { PORT: "0", DATA_DIR: dir, STACKONE_WEBHOOK_SECRET: SECRET, SWEEP_INTERVAL_SECONDS: "3600" },
      /Webhook URL\s+(http:\/\/\S+)\/webhooks\/stackone/,
    );
    try {
      const base = await load(ceiling.url, EVENTS, INCIDENTS, concurrency);
      const ours = await load(stack.url, EVENTS, INCIDENTS, concurrency);
      const done = await counted(stack.url, EVENTS, ours.sentAt);
      const writes = done.stats.dynamo_writes;
      rows.push([
        `c=${concurrency}`,
        fmt(ours.perSecond),
        fmt(base.perSecond),
        `${fmt((100 * ours.perSecond) / base.perSecond)}%`,
        `${fmt(ours.p50, 1)} / ${fmt(ours.p99, 1)}`,
        `${fmt(base.p50, 1)} / ${fmt(base.p99, 1)}`,
        `${fmt(done.seconds, 1)} s`,
        `${done.total === EVENTS ? "all" : `${done.total}/${EVENTS}`}`,
        fmt((writes.event + writes.incident) / EVENTS, 3),
        String(ours.failed + base.failed),
      ]);
    } finally {
      await stack.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }

  // The storm: every event on one incident, sent in requests of 100 events.
  const dir = mkdtempSync(join(tmpdir(), "quirkwatch-bench-"));
  const stack = await spawnServer(
    ["scripts/start.ts"],
    { PORT: "0", DATA_DIR: dir, STACKONE_WEBHOOK_SECRET: SECRET, SWEEP_INTERVAL_SECONDS: "3600" },
    /Webhook URL\s+(http:\/\/\S+)\/webhooks\/stackone/,
  );
  try {
    const started = performance.now();
    for (let i = 0; i < STORM_EVENTS; i += 100) {
      const body = `[${Array.from({ length: 100 }, (_, k) => payload(i + k, 1)).join(",")}]`;
      const response = await fetch(`${stack.url}/webhooks/stackone`, {
        method: "POST",
        headers: { "x-stackone-signature": signStackone(SECRET, body) },
        body,
      });
      if (response.status !== 202) throw new Error(`storm request answered ${response.status}`);
    }
    const done = await counted(stack.url, STORM_EVENTS, started);
    const w = done.stats.dynamo_writes;
    console.log(
      `\nStorm: ${fmt(STORM_EVENTS)} events on one incident in ${fmt(done.seconds, 1)} s; ` +
        `${fmt(w.incident)} incident writes for ${fmt(done.stats.queue.deliveredBatches)} batches; ` +
        `${fmt((w.event + w.incident) / STORM_EVENTS, 3)} DynamoDB writes per event (target ≤ 1.05)`,
    );
  } finally {
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
} finally {
  await ceiling.stop();
}

console.log(
  `\nEnd to end: ${fmt(EVENTS)} signed webhooks over ${INCIDENTS} incidents, one event per request`,
);
const header = [
  "load",
  "ours ev/s",
  "ceiling ev/s",
  "ratio (≥60%)",
  "ours p50/p99 ms",
  "ceiling p50/p99 ms",
  "all counted after",
  "counted",
  "writes/event",
  "non-202",
];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
for (const row of [header, ...rows])
  console.log(row.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  "));
