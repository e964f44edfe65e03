import { describe, expect, it } from "vitest";
import type { IntegrationEventInput } from "../../shared/events/event.ts";
import { resolveWithRetry } from "../../shared/incidents/process.ts";
import { forEachEngine } from "./engines.ts";

const T0 = Date.parse("2026-11-24T14:02:00.000Z");
const at = (seconds: number) => new Date(T0 + seconds * 1000);
let sequence = 0;

/** Lever answering 503 for one account, in Lever's own words. */
function lever503(account: number, seconds = 0): IntegrationEventInput {
  const n = ++sequence;
  return {
    id: `evt_outage_${n}`,
    source: "stackone",
    kind: "error",
    occurred_at: at(seconds).toISOString(),
    account: { id: `acct_${account}`, name: `Customer ${account}` },
    provider: "lever",
    http: { status: 503, method: "GET", path: "/unified/ats/candidates" },
    request_id: `req_outage_${n}`,
    error: {
      message: "Service Unavailable",
      provider_errors: [{ status: 503, raw: "Lever is down for scheduled maintenance" }],
    },
  };
}

/** Three events per account (the rule fires at three), for accounts `from` to `to - 1`. */
const failing = (from: number, to: number, seconds = 0) =>
  Array.from({ length: to - from }, (_, i) =>
    [0, 1, 2].map(() => lever503(from + i, seconds)),
  ).flat();

forEachEngine((engine) => {
  describe("provider incidents", () => {
    it("12 accounts failing on Lever within a minute: one provider incident, one firing notice, none per account", async () => {
      const processing = await engine().processing();
      await processing.process(failing(0, 3), at(0));
      await processing.process(failing(3, 8, 20), at(20));
      await processing.process(failing(8, 12, 40), at(40));
      // The grouping wait is over: the account incidents stay held back while the outage lasts.
      await processing.sweep(at(120));

      const all = await processing.incidents.listIncidents({ limit: 100 });
      const providers = all.filter((i) => i.scope === "provider");
      expect(providers).toHaveLength(1);
      expect(providers[0]).toMatchObject({
        scope: "provider",
        provider: "lever",
        category: "provider_unavailable",
        status: "firing",
        affected_accounts: 12,
        count: 36,
        title: "Lever is failing for 12 accounts (unavailable since 14:02 UTC)",
      });
      expect(providers[0]?.sample_accounts).toContain("Customer 0");
      expect(providers[0]?.last_error?.provider_message).toBe(
        "Lever is down for scheduled maintenance",
      );
      expect(providers[0]?.remediation.join(" ")).toContain("https://status.lever.co");
      // Every account incident still counts.
      const accounts = all.filter((i) => i.scope !== "provider");
      expect(accounts).toHaveLength(12);
      expect(accounts.every((i) => i.count === 3 && i.status === "firing")).toBe(true);

      const published = await processing.published();
      expect(published.map((n) => `${n.incident.scope ?? "account"} ${n.kind}`)).toEqual([
        "provider firing",
      ]);
      expect(published[0]?.incident.affected_accounts).toBeGreaterThanOrEqual(5);
    });

    it("resolves once quiet with one resolved notice, and an account still failing then notifies on its own", async () => {
      const processing = await engine().processing();
      await processing.process(failing(0, 6), at(0));
      // Account 0 keeps failing after the others have stopped.
      await processing.process(failing(0, 1, 600), at(600));
      // 31 minutes after the others' last event: they resolve quietly, and with them most of the
      // provider incident's accounts.
      await processing.sweep(at(31 * 60));
      let published = await processing.published();
      expect(published.map((n) => `${n.incident.scope ?? "account"} ${n.kind}`)).toEqual([
        "provider firing",
        "provider resolved",
      ]);
      const resolved = published[1];
      expect(resolved?.incident.affected_accounts).toBe(6);

      // Account 0 is a real problem of its own: its next event tells someone.
      await processing.process([lever503(0, 32 * 60)], at(32 * 60));
      published = await processing.published();
      expect(published.map((n) => `${n.incident.scope ?? "account"} ${n.kind}`)).toEqual([
        "provider firing",
        "provider resolved",
        "account firing",
      ]);
      expect(published[2]?.incident.account.id).toBe("acct_0");
    });

    it("an outage resolved by hand leaves its accounts quiet until one fails again", async () => {
      const processing = await engine().processing();
      await processing.process(failing(0, 6), at(0));
      const [outage] = await processing.incidents.listIncidents({ scope: "provider", limit: 1 });
      await resolveWithRetry(processing.incidents, outage?.id ?? "", "manual", {
        token: "by-hand",
        now: at(30),
        silences: { mutes: [] },
      });
      await processing.sweep(at(120));
      // The resolved notice (the sweeper publishes what the hand resolution decided), and nothing
      // of the accounts'.
      expect(
        (await processing.published()).map((n) => `${n.incident.scope ?? "account"} ${n.kind}`),
      ).toEqual(["provider firing", "provider resolved"]);
      await processing.process([lever503(2, 180)], at(180));
      const published = await processing.published();
      expect(published.map((n) => `${n.incident.account.id} ${n.kind}`)).toEqual([
        "provider:lever firing",
        "provider:lever resolved",
        "acct_2 firing",
      ]);
    });

    it("fewer accounts than the threshold alert on their own after the grouping wait", async () => {
      const processing = await engine().processing();
      await processing.process(failing(0, 2), at(0));
      expect(await processing.published()).toEqual([]);
      await processing.sweep(at(61));
      const published = await processing.published();
      expect(published.map((n) => `${n.incident.account.id} ${n.kind}`).sort()).toEqual([
        "acct_0 firing",
        "acct_1 firing",
      ]);
    });
  });
});
