import { mkdtempSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { StackStats } from "../../server/stack.ts";
import { signStackone } from "../../shared/sources/stackone/signature.ts";
import { leverRevoked } from "../support/factories.ts";
import { type Reply, startReceiver } from "../support/http-receiver.ts";
import {
  adminJson,
  eventually,
  postStackone,
  type RunningStack,
  SECRET,
  startExpectingFailure,
  startLocalStack,
} from "../support/local-stack.ts";

const revoked = (id: string, account = "acct-fault", pad = "") =>
  leverRevoked(id, account, {
    data: { request_id: `req-${id}`, status: 401, message: `Unauthorized${pad}` },
  });

type Incident = { account_id: string; count: number };
const incidents = async (stack: RunningStack, query = "") =>
  (await adminJson<{ incidents: Incident[] }>(stack, `/incidents?limit=1000${query}`)).incidents;
const idle = (stack: RunningStack) =>
  eventually(async () => {
    const stats = await adminJson<StackStats>(stack, "/_local/stats");
    return stats.queue.pending === 0 ? stats : undefined;
  }, 60_000);

describe("npm start under faults", () => {
  it("delivers a notice to a Slack that answered 500 for 30 s once it recovers, accepting all along", async () => {
    const slack = await startReceiver();
    const path = "/services/T0/B0/DOWN";
    const recoversAt = Date.now() + 30_000;
    const answers: { at: number; status: number; body: string }[] = [];
    const flaky: Reply = (res, received) => {
      const status = Date.now() < recoversAt ? 500 : 200;
      answers.push({ at: Date.now(), status, body: received.body });
      res.writeHead(status).end(status === 200 ? "ok" : "internal_error");
    };
    slack.script(path, ...Array.from({ length: 1_000 }, () => flaky));
    const stack = await startLocalStack({ SLACK_WEBHOOK_URL: `${slack.base}${path}` });
    try {
      expect((await postStackone(stack.url, revoked("down-1"))).status).toBe(202);
      let accepted = 1;
      // Meanwhile the stack keeps taking (and counting) webhooks.
      for (let i = 2; Date.now() < recoversAt - 2_000; i++) {
        expect((await postStackone(stack.url, revoked(`down-${i}`))).status).toBe(202);
        accepted++;
        await new Promise((r) => setTimeout(r, 1_000));
      }
      expect(answers.some((a) => a.status === 500)).toBe(true);
      const delivered = await eventually(async () => answers.find((a) => a.status === 200), 45_000);
      expect(delivered.at).toBeGreaterThanOrEqual(recoversAt);
      expect(delivered.body).toContain("acct-fault");
      // One firing notice: after it got through, nothing more was posted for it.
      await new Promise((r) => setTimeout(r, 2_000));
      expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
      // Every webhook it took while Slack was down is counted, once: however many the loop got in.
      await idle(stack);
      const [incident] = await incidents(stack);
      expect(incident?.count).toBe(accepted);
    } finally {
      await stack.stop();
      await slack.close();
    }
  }, 120_000);

  it("answers a 2 MB body with 413 and JSON, and serves the next request on the same connection", async () => {
    const stack = await startLocalStack();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const post = (body: string | Buffer, signature: string) =>
      new Promise<{ status: number; body: string; reused: boolean }>((resolve, reject) => {
        const url = new URL(`${stack.url}/webhooks/stackone`);
        const req = request(
          {
            host: url.hostname,
            port: url.port,
            path: url.pathname,
            method: "POST",
            agent,
            headers: { "x-stackone-signature": signature },
          },
          (res) => {
            let text = "";
            res.on("data", (chunk) => {
              text += chunk;
            });
            res.on("end", () =>
              resolve({ status: res.statusCode ?? 0, body: text, reused: req.reusedSocket }),
            );
          },
        );
        req.on("error", reject);
        req.end(body);
      });
    try {
      const one = JSON.stringify(revoked("big-0"));
      expect((await post(one, signStackone(SECRET, one))).status).toBe(202);
      const huge = Buffer.alloc(2 * 1024 * 1024, "x");
      const refused = await post(huge, signStackone(SECRET, huge.toString()));
      expect(refused.status).toBe(413);
      expect(JSON.parse(refused.body)).toMatchObject({ error: expect.stringMatching(/too large/) });
      const next = JSON.stringify(revoked("big-1"));
      expect(await post(next, signStackone(SECRET, next))).toMatchObject({
        status: 202,
        reused: true,
      });
      const line = "webhook rejected: stackone 413 the body is too large";
      expect(await stack.printed(line)).toContain(line);
    } finally {
      agent.destroy();
      await stack.stop();
    }
  });

  it("answers 503 with a reason when the database is full, and counts every event it took", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "quirkwatch-full-"));
    const full = await startLocalStack({ DATA_MAX_MB: "1" }, dataDir);
    const accepted = new Set<string>();
    let refused: { status: number; error: string; retryAfter: string | null } | undefined;
    try {
      // Each request 100 events of about 1 KB; claims and the queue fill 1 MB within a few hundred.
      for (let r = 0; r < 400 && refused === undefined; r++) {
        const events = Array.from({ length: 100 }, (_, k) =>
          revoked(`full-${r}-${k}`, `acct-full-${k % 10}`, "!".repeat(600)),
        );
        const response = await postStackone(full.url, events);
        const body = (await response.json()) as { error?: string };
        if (response.status === 202) for (const e of events) accepted.add(e.id);
        else
          refused = {
            status: response.status,
            error: body.error ?? "",
            retryAfter: response.headers.get("retry-after"),
          };
      }
      // The sender is told why, and when to try again.
      expect(refused).toMatchObject({
        status: 503,
        error: expect.stringMatching(/full/),
        retryAfter: "30",
      });
      // A load balancer asking now is told, without a token, and why.
      const health = await fetch(`${full.url}/healthz`);
      expect(health.status).toBe(503);
      expect(await health.json()).toEqual({
        status: "unavailable",
        reason: expect.stringMatching(/^queue\.db does not take writes: .*full/),
      });
    } finally {
      await full.stop();
    }
    // With room again, every event that got a 202 is counted, once; none of the refused ones.
    const roomy = await startLocalStack({}, dataDir);
    try {
      await idle(roomy);
      const counted = (await incidents(roomy)).reduce((sum, i) => sum + i.count, 0);
      expect(counted).toBe(accepted.size);
    } finally {
      await roomy.stop();
    }
  }, 120_000);
});

describe("npm start refusing to start, with one line and exit code 2", () => {
  it("when another stack holds the data folder, and starts once it is gone (even after SIGKILL)", async () => {
    const first = await startLocalStack();
    try {
      const second = await startExpectingFailure({ DATA_DIR: first.dataDir });
      expect(second.code).toBe(2);
      expect(second.stderr.trim().split("\n")).toEqual([
        expect.stringMatching(
          /^Quirkwatch cannot start: the data folder .* is in use by another running Quirkwatch/,
        ),
      ]);
    } finally {
      await first.stop("SIGKILL");
    }
    const again = await startLocalStack({}, first.dataDir);
    await again.stop();
  });

  it("when the port is taken, saying how to pick another", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const result = await startExpectingFailure({
        PORT: String(port),
        DATA_DIR: mkdtempSync(join(tmpdir(), "quirkwatch-port-")),
      });
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split("\n")).toEqual([
        expect.stringMatching(
          new RegExp(`^Quirkwatch cannot start: port ${port} .* is in use.*PORT=`),
        ),
      ]);
    } finally {
      blocker.close();
    }
  });

  it("when a setting has a bad value, naming the variable in one line", async () => {
    for (const [name, value] of [
      ["PORT", "eighty"],
      ["DATA_MAX_MB", "lots"],
      ["SWEEP_INTERVAL_SECONDS", "0"],
      ["QUIRKWATCH_ENGINE", "postgres"],
    ]) {
      const result = await startExpectingFailure({
        [name as string]: value as string,
        DATA_DIR: mkdtempSync(join(tmpdir(), "quirkwatch-config-")),
      });
      expect(result.code, name).toBe(2);
      expect(result.stderr.trim().split("\n"), name).toEqual([
        expect.stringMatching(new RegExp(`^Quirkwatch cannot start: ${name} must be .*"${value}"`)),
      ]);
    }
  });

  it("when the rules file named by QUIRKWATCH_RULES is missing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "quirkwatch-rules-"));
    writeFileSync(join(dir, "other.json"), "[]");
    const result = await startExpectingFailure({
      QUIRKWATCH_RULES: join(dir, "rules.json"),
      DATA_DIR: dir,
    });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split("\n")).toEqual([
      `Quirkwatch cannot start: the rules file ${join(dir, "rules.json")} (QUIRKWATCH_RULES) does not exist`,
    ]);
  });
});
