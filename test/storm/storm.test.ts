import { describe, expect, it } from "vitest";
import type { StackStats } from "../../server/stack.ts";
import { adminJson, eventually, postStackone, startLocalStack } from "../support/local-stack.ts";

const EVENTS = Number(process.env.STORM_EVENTS ?? 100_000);
const PER_REQUEST = 100;
const CONCURRENCY = 8;
const DELIVERIES = EVENTS + EVENTS / 10;

/** When the storm happens: now, as ingest accepts only recent events. */
const AT = new Date().toISOString();

function rateLimited(i: number) {
  return {
    id: `storm-${i}`,
    event: "request.failed",
    event_date: AT,
    account_id: "acct-storm",
    provider: "lever",
    data: { request_id: `req-${i}`, status: 429, message: "Too many requests" },
  };
}

describe("a storm on one incident", () => {
  it("counts 100,000 events exactly, with 10% delivered twice, one notice and one write per batch", async () => {
    // A rate limit is a provider-side problem: its firing notice waits (here a second) for a
    // provider incident of other accounts, then the sweeper (every second) sends it.
    const stack = await startLocalStack({
      PROVIDER_GROUP_WAIT_SECONDS: "1",
      SWEEP_INTERVAL_SECONDS: "1",
    });
    try {
      // Every event once, and every tenth event again later in the stream, as a sender's retry.
      const deliveries = Array.from({ length: EVENTS }, (_, i) => i);
      for (let i = 0; i < EVENTS; i += 10)
        deliveries.splice(Math.min(deliveries.length, Math.floor(i * 1.1) + 500), 0, i);
      expect(deliveries).toHaveLength(DELIVERIES);
      const requests: number[][] = [];
      for (let i = 0; i < deliveries.length; i += PER_REQUEST)
        requests.push(deliveries.slice(i, i + PER_REQUEST));

      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < requests.length) {
            const batch = requests[next++] ?? [];
            const response = await postStackone(stack.url, batch.map(rateLimited));
            expect(response.status).toBe(202);
          }
        }),
      );

      const incident = await eventually(async () => {
        // Idle first, then the incident: the other order can read it before the last batch lands.
        const stats = await adminJson<StackStats>(stack, "/_local/stats");
        const idle = stats.queue.pending === 0 && stats.queue.inFlight === 0;
        const { incidents } = await adminJson<{ incidents: { count: number; status: string }[] }>(
          stack,
          "/incidents?account_id=acct-storm",
        );
        return idle && incidents[0] ? incidents[0] : undefined;
      }, 400_000);
      const stats = await eventually(async () => {
        const now = await adminJson<StackStats>(stack, "/_local/stats");
        return now.notices >= 1 ? now : undefined;
      }, 30_000);

      expect(incident).toMatchObject({ count: EVENTS, status: "firing" });
      expect(stats.notices).toBe(1);
      // One incident write per batch, its notice in the same transaction; and two more at most:
      // once the provider incident the sustained rate limit starts (one account does not make it
      // fire), and once the release of the held firing notice when the sweeper, not a batch,
      // gets there first (its notice goes out in that same write).
      expect(stats.writes.incident).toBeLessThanOrEqual(stats.queue.batches + 2);
      expect(stats.writes.event).toBe(DELIVERIES);
      // The single-node engine stays small under the storm.
      expect(stats.peak_rss_bytes).toBeLessThan(200 * 2 ** 20);
    } finally {
      await stack.stop();
    }
  }, 600_000);
});
