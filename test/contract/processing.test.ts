import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { IntegrationEventInput } from "../../shared/events/event.ts";
import { forCustomer } from "../../shared/notify/audience.ts";
import { forEachEngine } from "./engines.ts";

/** Times the processor, on the real clock, takes as live (within every rule's quiet period). */
const TEN_MINUTES_AGO = new Date(Date.now() - 600_000).toISOString();
const FIVE_MINUTES_AGO = new Date(Date.now() - 300_000).toISOString();

/** Event `n` of the pool: always the same account and status, so a repeat is a redelivery. */
function pooled(n: number): IntegrationEventInput {
  const account = `acct_${n % 3}`;
  return {
    id: `evt_${n}`,
    source: "stackone",
    kind: "error",
    occurred_at: TEN_MINUTES_AGO,
    account: { id: account },
    provider: "lever",
    // 401 opens a firing incident at once; 503 is a separate incident of the same account.
    http: { status: n % 2 === 0 ? 401 : 503, method: "GET", path: "/unified/ats/candidates" },
    request_id: `req_${n}`,
    error: { message: "failed" },
  };
}

const recovery = (account: string): IntegrationEventInput => ({
  id: `recovered_${account}`,
  source: "stackone",
  kind: "recovery",
  occurred_at: FIVE_MINUTES_AGO,
  account: { id: account },
  provider: "lever",
});

forEachEngine((engine) => {
  describe("batch processing", () => {
    it("counts each event once, however batches repeat and split it, and fires each incident once", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.array(fc.nat(29), { minLength: 1, maxLength: 40 }), {
            minLength: 1,
            maxLength: 6,
          }),
          async (batches) => {
            const processing = await engine().processing();
            for (const batch of batches) await processing.process(batch.map(pooled));

            const expected = new Map<string, number>();
            for (const n of new Set(batches.flat())) {
              const e = pooled(n);
              const key = `${e.account.id} ${e.http?.status}`;
              expected.set(key, (expected.get(key) ?? 0) + 1);
            }
            const incidents = (await processing.incidents.listIncidents({ limit: 100 })).filter(
              (i) => i.scope !== "provider",
            );
            const counted = new Map(
              incidents.map((i) => [`${i.account.id} ${i.rule_id.split(".")[1]}`, i.count]),
            );
            expect(counted).toEqual(expected);
            const firing = (await processing.published()).filter((n) => n.kind === "firing");
            const opened401 = incidents.filter((i) => i.rule_id === "lever.401").map((i) => i.id);
            const fired = firing.map((n) => n.incident.id).sort();
            expect(fired).toEqual(expect.arrayContaining(opened401.sort()));
            // Once each: a second firing notice of one incident (another id) is a repeat alert.
            expect(fired).toEqual([...new Set(fired)]);
          },
        ),
        { numRuns: 15 },
      );
    });

    it("resolves an account's re-auth incident on a recovery event, with one resolved notice", async () => {
      const processing = await engine().processing();
      await processing.process([pooled(0), pooled(3), pooled(6)]);
      await processing.process([recovery("acct_0"), recovery("acct_0")]);
      const incidents = await processing.incidents.listIncidents({ limit: 10 });
      const byRule = Object.fromEntries(incidents.map((i) => [i.rule_id, i]));
      expect(byRule["lever.401"]).toMatchObject({ status: "resolved", count: 2 });
      // A provider outage is not the account's to fix: the recovery leaves it open.
      expect(byRule["lever.503"]?.status).not.toBe("resolved");
      const kinds = (await processing.published()).map((n) => `${n.incident.rule_id} ${n.kind}`);
      expect(kinds.filter((k) => k === "lever.401 firing")).toHaveLength(1);
      expect(kinds.filter((k) => k === "lever.401 resolved")).toHaveLength(1);
    });

    it("tells the customer once when one reconnect resolves several of the account's problems", async () => {
      const processing = await engine().processing();
      const forbidden = { ...pooled(0), id: "evt_403", http: { status: 403, method: "GET" } };
      await processing.process([pooled(0), forbidden, pooled(3)]);
      await processing.process([recovery("acct_0")]);
      const resolved = (await processing.published()).filter((n) => n.kind === "resolved");
      expect(resolved.map((n) => n.incident.rule_id).sort()).toEqual(["lever.401", "lever.403"]);
      // On-call hears of each; the customer's admin once, for the account.
      expect(resolved.filter(forCustomer)).toHaveLength(1);

      // A reconnect that resolves one problem tells the customer of it, as before (each event
      // after the last: an older one would be history).
      const since = (ms: number) => new Date(Date.now() - ms).toISOString();
      await processing.process([{ ...pooled(6), id: "evt_again", occurred_at: since(120_000) }]);
      await processing.process([
        { ...recovery("acct_0"), id: "recovered_again", occurred_at: since(60_000) },
      ]);
      const again = (await processing.published()).filter(
        (n) => n.kind === "resolved" && !resolved.some((r) => r.id === n.id),
      );
      expect(again.map(forCustomer)).toEqual([true]);
    });
  });
});

/** A clock fixed at `now`, and times relative to it. */
const NOW = new Date("2026-11-24T12:00:00.000Z");
const ago = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000).toISOString();
const clock = { now: () => NOW };

/** A Lever 401 of acct_t: its rule fires at once and resolves after a quiet day. */
const failedAt = (id: string, occurredAt: string): IntegrationEventInput => ({
  ...pooled(0),
  id,
  account: { id: "acct_t" },
  occurred_at: occurredAt,
});
const recoveredAt = (id: string, occurredAt: string): IntegrationEventInput => ({
  ...recovery("acct_t"),
  id,
  occurred_at: occurredAt,
});

forEachEngine((engine) => {
  describe("time is evidence", () => {
    it("an old recovery changes nothing; one dated after the last failure resolves", async () => {
      const processing = await engine().processing(clock);
      await processing.process([failedAt("f1", ago(10))]);
      await processing.process([recoveredAt("old", ago(60)), recoveredAt("same", ago(10))]);
      const [stillFiring] = await processing.incidents.listIncidents({ limit: 10 });
      expect(stillFiring).toMatchObject({ status: "firing" });
      expect((await processing.published()).map((n) => n.kind)).toEqual(["firing"]);

      await processing.process([recoveredAt("new", ago(5))]);
      const [resolved] = await processing.incidents.listIncidents({ limit: 10 });
      expect(resolved).toMatchObject({ status: "resolved", resolution: "recovery" });
      // The problem ended when the account was active again, not when we heard of it.
      expect(resolved?.resolved_at).toBe(ago(5));
      expect((await processing.published()).map((n) => n.kind)).toEqual(["firing", "resolved"]);
    });

    it("a backfilled failure already past its quiet period opens nothing", async () => {
      const processing = await engine().processing(clock);
      await processing.process([failedAt("old", ago(25 * 60))]);
      expect(await processing.incidents.listIncidents({ limit: 10 })).toEqual([]);
      expect(await processing.published()).toEqual([]);
    });

    it("a late failure within its quiet period opens an incident seen when it happened, quiet from then", async () => {
      const processing = await engine().processing(clock);
      await processing.process([failedAt("late", ago(23 * 60))]);
      const [incident] = await processing.incidents.listIncidents({ limit: 10 });
      expect(incident).toMatchObject({ first_seen: ago(23 * 60), last_seen: ago(23 * 60) });
      // Quiet counts from the event's time: an hour from now, not a day.
      expect(incident?.due_at).toBe(Date.parse(ago(-60)) / 1000);
    });

    it("a failure dated before the recovery that resolved its incident does not reopen it; a later one does", async () => {
      const processing = await engine().processing(clock);
      await processing.process([failedAt("f1", ago(10))]);
      await processing.process([recoveredAt("r1", ago(5))]);
      await processing.process([failedAt("before", ago(7))]);
      const [closed] = await processing.incidents.listIncidents({ limit: 10 });
      expect(closed).toMatchObject({ status: "resolved", count: 1 });

      await processing.process([failedAt("after", ago(1))]);
      const [reopened] = await processing.incidents.listIncidents({ limit: 10 });
      expect(reopened).toMatchObject({ status: "firing", count: 1, first_seen: ago(1) });
      expect((await processing.published()).map((n) => n.kind)).toEqual([
        "firing",
        "resolved",
        "firing",
      ]);
    });

    it("never counts an event older than the dedup retention, even into an open incident", async () => {
      const processing = await engine().processing(clock);
      await processing.process([failedAt("f1", ago(1))]);
      await processing.process([failedAt("ancient", ago(8 * 24 * 60))]);
      const [incident] = await processing.incidents.listIncidents({ limit: 10 });
      expect(incident).toMatchObject({ count: 1, first_seen: ago(1) });
    });

    it("counts an older event of an open incident, without moving last seen back", async () => {
      const processing = await engine().processing(clock);
      await processing.process([failedAt("f1", ago(1))]);
      await processing.process([failedAt("earlier", ago(30))]);
      const [incident] = await processing.incidents.listIncidents({ limit: 10 });
      expect(incident).toMatchObject({ count: 2, first_seen: ago(30), last_seen: ago(1) });
    });
  });
});
