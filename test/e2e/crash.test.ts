import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StackStats } from "../../server/stack.ts";
import { leverRevoked } from "../support/factories.ts";
import { type Receiver, startReceiver } from "../support/http-receiver.ts";
import {
  adminJson,
  eventually,
  postStackone,
  type RunningStack,
  startLocalStack,
} from "../support/local-stack.ts";

/**
 * `npm start` killed with SIGKILL at random moments while 10,000 signed webhooks arrive from 16
 * connections, then started again on the same DATA_DIR. A sender retries what got no 202, as
 * StackOne does. Every event is counted exactly once, and every firing notice reaches Slack,
 * never twice within one run.
 */

const EVENTS = 10_000;
const CONNECTIONS = 16;
const ACCOUNTS = 4;
const SLACK = "/services/T0/B0/CRASH";

const revoked = (i: number) =>
  leverRevoked(`crash-${i}`, `acct-crash-${i % ACCOUNTS}`, {
    data: { request_id: `req-${i}`, status: 401, message: "Unauthorized" },
  });

type Incident = { id: string; account_id: string; count: number; status: string };

describe("npm start, killed with SIGKILL and started again", () => {
  let slack: Receiver;
  /** Which run each Slack post arrived in. */
  const posts: { run: number; notice: string }[] = [];
  let run = 0;
  let stack: RunningStack | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), "quirkwatch-crash-"));
  const start = async () => {
    run += 1;
    stack = await startLocalStack({ SLACK_WEBHOOK_URL: `${slack.base}${SLACK}` }, dataDir);
    return stack;
  };

  beforeAll(async () => {
    slack = await startReceiver();
    const record = (res: import("node:http").ServerResponse, received: { body: string }) => {
      const notice = /Notice `([^`]+)`/.exec(received.body)?.[1] ?? "?";
      posts.push({ run, notice });
      res.writeHead(200).end("ok");
    };
    slack.script(SLACK, ...Array.from({ length: 10_000 }, () => record));
  });
  afterAll(async () => {
    await stack?.stop("SIGKILL");
    await slack?.close();
  });

  it("counts every acknowledged event exactly once across three kills, and loses no notice", async () => {
    const pending = Array.from({ length: EVENTS }, (_, i) => i);
    const acked = new Set<number>();
    // Three kill points, each at a random moment within its third of the stream.
    const kills = [0, 1, 2].map((k) =>
      Math.floor(((k + 0.2 + Math.random() * 0.6) * EVENTS) / 3.3),
    );

    /** Sends what is pending until `stopAt` events are acknowledged (or all are). */
    const send = async (target: RunningStack, stopAt: number) => {
      const retry: number[] = [];
      await Promise.all(
        Array.from({ length: CONNECTIONS }, async () => {
          while (acked.size < stopAt) {
            const i = pending.shift();
            if (i === undefined) return;
            try {
              const response = await postStackone(target.url, revoked(i));
              await response.arrayBuffer();
              if (response.status === 202) acked.add(i);
              else retry.push(i);
            } catch {
              retry.push(i);
            }
          }
        }),
      );
      pending.unshift(...retry);
    };

    for (const killAt of kills) {
      const target = await start();
      const sending = send(target, Number.POSITIVE_INFINITY);
      await eventually(async () => (acked.size >= killAt ? true : undefined), 60_000);
      await target.stop("SIGKILL");
      // Requests cut off by the kill fail; the sender will retry them.
      await sending;
      expect(target.output()).not.toContain("Stopped.");
    }

    const last = await start();
    await send(last, EVENTS);
    expect(acked.size).toBe(EVENTS);

    // Every 202 was committed: once the queue is empty, everything is counted.
    await eventually(async () => {
      const stats = await adminJson<StackStats>(last, "/_local/stats");
      return stats.queue.pending === 0 ? true : undefined;
    }, 60_000);
    const { incidents } = await adminJson<{ incidents: Incident[] }>(last, "/incidents");
    expect(incidents).toHaveLength(ACCOUNTS);
    for (const incident of incidents) {
      expect(incident).toMatchObject({ count: EVENTS / ACCOUNTS, status: "firing" });
    }

    // Every firing notice reached Slack at least once...
    const firing = incidents.map((i) => `${i.id}.1.1.firing`);
    await eventually(async () => {
      const delivered = new Set(posts.map((p) => p.notice));
      return firing.every((id) => delivered.has(id)) ? true : undefined;
    }, 60_000);
    expect(new Set(posts.map((p) => p.notice))).toEqual(new Set(firing));
    // ...and none twice within one run.
    for (let r = 1; r <= run; r++) {
      const inRun = posts.filter((p) => p.run === r).map((p) => p.notice);
      expect(inRun).toEqual([...new Set(inRun)]);
    }
  }, 240_000);
});
