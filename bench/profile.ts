import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { Agent, request } from "node:http";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { signStackone } from "../shared/sources/stackone/signature.ts";

/**
 * `npm run bench:profile [-- EVENTS PER_REQUEST CONNECTIONS]`: the single node under
 * `node --cpu-prof` (both threads), one load of signed StackOne events, then each thread's
 * busiest functions by self time, in microseconds per event. What to look at before and after
 * a change to the hot path; the rates it prints are slowed by the profiler.
 */
const [EVENTS = 20_000, PER_REQUEST = 1, CONNECTIONS = 32] = process.argv
  .slice(2)
  .filter((a) => /^\d+$/.test(a))
  .map(Number);
const ACCOUNTS = 100;
const SECRET = "bench-secret";
const ADMIN_TOKEN = "bench-admin-token";
const TOP = 25;

// Built first: a start that builds would be profiled building.
spawnSync(process.execPath, ["server/launch.mjs", "--build-only"], { stdio: "inherit" });
const data = mkdtempSync(join(tmpdir(), "quirkwatch-profile-"));
const profiles = join(data, "profiles");
const child = spawn(
  process.execPath,
  [
    "--max-semi-space-size=8",
    "--max-old-space-size=192",
    "--cpu-prof",
    `--cpu-prof-dir=${profiles}`,
    "server/launch.mjs",
  ],
  {
    stdio: ["ignore", "pipe", "inherit"],
    env: {
      ...process.env,
      PORT: "0",
      DATA_DIR: join(data, "data"),
      STACKONE_WEBHOOK_SECRET: SECRET,
      ADMIN_TOKEN,
      SWEEP_INTERVAL_SECONDS: "3600",
    },
  },
);
const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
const url = await new Promise<string>((resolve, reject) => {
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk;
    const m = /Webhook URL\s+(http:\/\/\S+)\/webhooks\/stackone/.exec(output);
    if (m?.[1]) resolve(m[1]);
  });
  void exited.then(() => reject(new Error(`the server exited:\n${output}`)));
});

const bodies: { body: string; signature: string }[] = [];
for (let i = 0; i < EVENTS; i += PER_REQUEST) {
  const events = Array.from({ length: Math.min(PER_REQUEST, EVENTS - i) }, (_, k) => {
    const account = `acct_${(i + k) % ACCOUNTS}`;
    return JSON.stringify({
      id: `profile-${i + k}`,
      event: "request.failed",
      event_date: new Date().toISOString(),
      account_id: account,
      provider: "lever",
      origin_owner_name: `Customer ${account}`,
      data: {
        request_id: `req_${i + k}`,
        status: 503,
        request: { method: "GET", url: "https://api.stackone.com/unified/ats/candidates" },
        message: "Lever is temporarily down for maintenance",
      },
    });
  });
  const body = PER_REQUEST === 1 ? (events[0] ?? "") : `[${events.join(",")}]`;
  bodies.push({ body, signature: signStackone(SECRET, body) });
}

const { hostname, port } = new URL(url);
const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
const post = (item: { body: string; signature: string }) =>
  new Promise<number>((resolve, reject) => {
    const req = request(
      {
        hostname,
        port,
        path: "/webhooks/stackone",
        method: "POST",
        agent,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(item.body),
          "x-stackone-signature": item.signature,
        },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(item.body);
  });

const started = performance.now();
let next = 0;
let failed = 0;
await Promise.all(
  Array.from({ length: CONNECTIONS }, async () => {
    while (next < bodies.length) {
      const item = bodies[next++];
      if (item && (await post(item)) !== 202) failed++;
    }
  }),
);
const acked = performance.now();
agent.destroy();
for (;;) {
  const res = await fetch(`${url}/incidents?limit=1000`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  const { incidents } = (await res.json()) as { incidents: { count: number; scope: string }[] };
  if (incidents.reduce((a, i) => a + (i.scope === "provider" ? 0 : i.count), 0) >= EVENTS) break;
  await new Promise((r) => setTimeout(r, 10));
}
const counted = performance.now();
child.kill("SIGTERM");
await exited;

type Node = {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
};
type Profile = {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
};
const perEvent = (us: number) => (us / EVENTS).toFixed(1).padStart(7);
console.log(
  `${EVENTS} events, ${PER_REQUEST} a request, ${CONNECTIONS} connections; ${failed} not 202; ` +
    `accepted ${Math.round(EVENTS / ((acked - started) / 1000))}/s, counted ${Math.round(EVENTS / ((counted - started) / 1000))}/s ` +
    `under the profiler; load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
);
for (const file of readdirSync(profiles).sort()) {
  const profile = JSON.parse(readFileSync(join(profiles, file), "utf8")) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)?.callFrame;
    const us = profile.timeDeltas[i] ?? 0;
    if (!frame) return;
    const name = frame.functionName || "(anonymous)";
    if (name !== "(idle)" && name !== "(program)") busy += us;
    const where = frame.url ? ` ${frame.url.split("/").pop()}:${frame.lineNumber + 1}` : "";
    const key = `${name}${where}`;
    self.set(key, (self.get(key) ?? 0) + us);
  });
  console.log(
    `\n${file}: busy ${perEvent(busy)} µs/event of ${perEvent(profile.endTime - profile.startTime)} µs/event wall`,
  );
  for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, TOP)) {
    console.log(`${perEvent(us)}  ${key}`);
  }
  // Total time (self and callees) of the busiest functions: where a request's time goes.
  const selfById = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfById.set(id, (selfById.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const total = new Map<string, number>();
  const walk = (id: number, onStack: Set<string>): number => {
    const node = byId.get(id);
    if (!node) return 0;
    let us = selfById.get(id) ?? 0;
    const frame = node.callFrame;
    const key = `${frame.functionName || "(anonymous)"}${frame.url ? ` ${frame.url.split("/").pop()}:${frame.lineNumber + 1}` : ""}`;
    const nested = onStack.has(key);
    if (!nested) onStack.add(key);
    for (const child of node.children ?? []) us += walk(child, onStack);
    if (!nested) {
      onStack.delete(key);
      total.set(key, (total.get(key) ?? 0) + us);
    }
    return us;
  };
  walk(profile.nodes[0]?.id ?? 1, new Set());
  console.log("  total (with callees):");
  for (const [key, us] of [...total]
    .filter(([key]) => !key.startsWith("(root)"))
    .sort((a, b) => b[1] - a[1])
    .slice(0, TOP)) {
    console.log(`${perEvent(us)}  ${key}`);
  }
}
rmSync(data, { recursive: true, force: true });
