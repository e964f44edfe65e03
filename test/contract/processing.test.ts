import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { IntegrationEventInput } from "../../shared/events/event.ts";
import { forCustomer } from "../../shared/notify/audience.ts";
import { forEachEngine } from "./engines.ts";

/** Event `n` of the pool: always the same account and status, so a repeat is a redelivery. */
function pooled(n: number): IntegrationEventInput {
  const account = `acct_${n % 3}`;
  return {
    id: `evt_${n}`,
    source: "stackone",
    kind: "error",
    occurred_at: "2026-11-24T10:00:00.000Z",
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
  occurred_at: "2026-11-24T11:00:00.000Z",
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
            const incidents = await processing.incidents.listIncidents({ limit: 100 });
            const counted = new Map(
              incidents.map((i) => [`${i.account.id} ${i.rule_id.split(".")[1]}`, i.count]),
            );
            expect(counted).toEqual(expected);
            const firing = (await processing.published()).filter((n) => n.kind === "firing");
            const opened401 = incidents.filter((i) => i.rule_id === "lever.401").map((i) => i.id);
            expect(firing.map((n) => n.incident.id).sort()).toEqual(
              expect.arrayContaining(opened401.sort()),
            );
            expect(new Set(firing.map((n) => n.id)).size).toBe(firing.length);
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

      // A reconnect that resolves one problem tells the customer of it, as before.
      await processing.process([{ ...pooled(6), id: "evt_again" }]);
      await processing.process([{ ...recovery("acct_0"), id: "recovered_again" }]);
      const again = (await processing.published()).filter(
        (n) => n.kind === "resolved" && !resolved.some((r) => r.id === n.id),
      );
      expect(again.map(forCustomer)).toEqual([true]);
    });
  });
});
