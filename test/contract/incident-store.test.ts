import { describe, expect, it } from "vitest";
import { listIncidents } from "../../shared/api/incidents.ts";
import { systemClock } from "../../shared/clock.ts";
import { EVENT_RETENTION_SECONDS } from "../../shared/events/event-time.ts";
import type { IncidentRecord } from "../../shared/incidents/record.ts";
import { incidentRecord } from "../support/factories.ts";
import { forEachEngine } from "./engines.ts";

const now = () => Math.floor(Date.now() / 1000);
const record = incidentRecord;

const ids = (records: IncidentRecord[]) => records.map((r) => r.id);

forEachEngine((engine) => {
  describe("incident store: event claims", () => {
    it("claims an event once; another claim is a duplicate that says who claimed it", async () => {
      const { incidents } = await engine().fresh();
      const key = { source: "stackone", id: "evt_1" };
      const before = now();
      expect(await incidents.claimEvent(key, { token: "A", message_id: "m1" })).toEqual({
        status: "claimed",
      });
      const again = await incidents.claimEvent(key, { token: "B", message_id: "m2" });
      expect(again).toMatchObject({ status: "duplicate", token: "A", message_id: "m1" });
      const claimedAt = again.status === "duplicate" ? (again.claimed_at ?? 0) : 0;
      expect(claimedAt).toBeGreaterThanOrEqual(before);
      expect(claimedAt).toBeLessThanOrEqual(now());
      // The same source with another id, and another source with the same id, are new.
      expect(
        await incidents.claimEvent(
          { source: "stackone", id: "evt_2" },
          { token: "B", message_id: "m2" },
        ),
      ).toEqual({ status: "claimed" });
      expect(
        await incidents.claimEvent(
          { source: "generic", id: "evt_1" },
          { token: "B", message_id: "m2" },
        ),
      ).toEqual({ status: "claimed" });
    });

    it("takes a repeated claim with the same token and message as its own (a retried request)", async () => {
      const { incidents } = await engine().fresh();
      const key = { source: "stackone", id: "evt_1" };
      await incidents.claimEvent(key, { token: "A", message_id: "m1" });
      expect(await incidents.claimEvent(key, { token: "A", message_id: "m1" })).toEqual({
        status: "claimed",
      });
    });

    it("moves a claim from one token to another only while it is the first one's", async () => {
      const { incidents } = await engine().fresh();
      const key = { source: "stackone", id: "evt_1" };
      await incidents.claimEvent(key, { token: "A", message_id: "m1" });
      expect(await incidents.reclaimEvent(key, "A", "B")).toBe(true);
      // Idempotent: a retried request that already moved it.
      expect(await incidents.reclaimEvent(key, "A", "B")).toBe(true);
      expect(await incidents.reclaimEvent(key, "A", "C")).toBe(false);
      expect(await incidents.claimEvent(key, { token: "D", message_id: "m2" })).toMatchObject({
        status: "duplicate",
        token: "B",
      });
      expect(EVENT_RETENTION_SECONDS).toBeGreaterThan(0);
    });
  });

  describe("incident store: incidents", () => {
    it("saves a new incident once, then only on the version it read", async () => {
      const { incidents } = await engine().fresh();
      expect(await incidents.getIncident("inc_a")).toBeUndefined();
      expect(await incidents.saveIncident(record("inc_a"), undefined)).toBe(true);
      expect(await incidents.saveIncident(record("inc_a", { count: 9 }), undefined)).toBe(false);
      const first = await incidents.getIncident("inc_a");
      expect(first).toMatchObject({ id: "inc_a", count: 1, version: 1 });

      expect(await incidents.saveIncident(record("inc_a", { count: 2 }), 1)).toBe(true);
      // A writer that read version 1 too has lost.
      expect(await incidents.saveIncident(record("inc_a", { count: 3 }), 1)).toBe(false);
      expect(await incidents.getIncident("inc_a")).toMatchObject({ count: 2, version: 2 });
      expect(await incidents.saveIncident(record("inc_b"), 1)).toBe(false);
    });

    it("keeps fields it does not know, so a record can grow without the store changing", async () => {
      const { incidents } = await engine().fresh();
      const grown = {
        ...record("inc_a"),
        a_later_field: { status: 403, words: ["Missing permissions: People > Payroll"] },
      } as IncidentRecord;
      await incidents.saveIncident(grown, undefined);
      expect(await incidents.getIncident("inc_a")).toEqual({ ...grown, version: 1 });
    });

    it("finds open incidents that are due, oldest due first, and never closed ones", async () => {
      const { incidents } = await engine().fresh();
      const t = now();
      await incidents.saveIncident(record("inc_late", { due_at: t - 10 }), undefined);
      await incidents.saveIncident(record("inc_early", { due_at: t - 100 }), undefined);
      await incidents.saveIncident(record("inc_future", { due_at: t + 100 }), undefined);
      await incidents.saveIncident(
        record("inc_closed", { status: "resolved", due_at: undefined }),
        undefined,
      );
      expect(ids(await incidents.dueIncidents(t, 10))).toEqual(["inc_early", "inc_late"]);
      expect(ids(await incidents.dueIncidents(t, 1))).toEqual(["inc_early"]);
      expect(ids(await incidents.dueIncidents(t + 100, 10))).toEqual([
        "inc_early",
        "inc_late",
        "inc_future",
      ]);

      // Closing it takes it out; opening it again brings it back.
      const early = await incidents.getIncident("inc_early");
      await incidents.saveIncident({ ...(early as IncidentRecord), due_at: undefined }, 1);
      expect(ids(await incidents.dueIncidents(t, 10))).toEqual(["inc_late"]);
    });

    it("lists the open incidents of one account", async () => {
      const { incidents } = await engine().fresh();
      await incidents.saveIncident(record("inc_1"), undefined);
      await incidents.saveIncident(record("inc_2", { provider: "hibob" }), undefined);
      await incidents.saveIncident(record("inc_3", { account: { id: "acct_2" } }), undefined);
      await incidents.saveIncident(
        record("inc_4", { status: "resolved", due_at: undefined }),
        undefined,
      );
      expect(ids(await incidents.openIncidentsForAccount("acct_1")).sort()).toEqual([
        "inc_1",
        "inc_2",
      ]);
      expect(ids(await incidents.openIncidentsForAccount("acct_9"))).toEqual([]);
    });

    it("lists incidents newest first, by status, account, provider and category", async () => {
      const { incidents } = await engine().fresh();
      const at = (minute: number) => `2026-11-24T10:${String(minute).padStart(2, "0")}:00.000Z`;
      await incidents.saveIncident(record("inc_1", { last_seen: at(1) }), undefined);
      await incidents.saveIncident(
        record("inc_2", { last_seen: at(5), provider: "hibob", status: "pending" }),
        undefined,
      );
      await incidents.saveIncident(
        record("inc_3", {
          last_seen: at(3),
          account: { id: "acct_2" },
          category: "rate_limited",
          status: "resolved",
          due_at: undefined,
        }),
        undefined,
      );
      const list = async (filter: Record<string, string | number>) =>
        ids(await incidents.listIncidents({ limit: 100, ...filter }));
      expect(await list({})).toEqual(["inc_2", "inc_3", "inc_1"]);
      expect(await list({ limit: 2 })).toEqual(["inc_2", "inc_3"]);
      expect(await list({ status: "firing" })).toEqual(["inc_1"]);
      expect(await list({ status: "resolved" })).toEqual(["inc_3"]);
      expect(await list({ account_id: "acct_1" })).toEqual(["inc_2", "inc_1"]);
      expect(await list({ provider: "hibob" })).toEqual(["inc_2"]);
      expect(await list({ category: "rate_limited" })).toEqual(["inc_3"]);
      expect(await list({ account_id: "acct_1", provider: "lever" })).toEqual(["inc_1"]);
      expect(await list({ provider: "nobody" })).toEqual([]);
    });

    it("pages GET /incidents with a next cursor, filters scope, and no page repeats or skips one", async () => {
      const { incidents, mutes } = await engine().fresh();
      const at = (n: number) => new Date(Date.parse("2026-11-24T10:00:00.000Z") + n * 1000);
      for (let n = 0; n < 25; n++) {
        const provider = n % 5 === 0;
        await incidents.saveIncident(
          record(`inc_p${String(n).padStart(2, "0")}`, {
            last_seen: at(n).toISOString(),
            ...(provider ? { scope: "provider", account: { id: "provider:lever" } } : {}),
          }),
          undefined,
        );
      }
      const page = async (query: Record<string, string>) => {
        const response = await listIncidents(
          { route: "GET /incidents", headers: {}, params: {}, query },
          { store: incidents, mutes, clock: systemClock },
        );
        return JSON.parse(String(response.body)) as {
          incidents: { id: string; scope: string }[];
          next?: string;
        };
      };
      const seen: string[] = [];
      let query: Record<string, string> = { limit: "7" };
      for (let pages = 0; pages < 10; pages++) {
        const body = await page(query);
        seen.push(...body.incidents.map((i) => i.id));
        // A write during paging: an incident already listed becomes the newest.
        if (pages === 1) {
          const moved = await incidents.getIncident("inc_p24");
          if (moved)
            await incidents.saveIncident(
              { ...moved, last_seen: at(100).toISOString() },
              moved.version,
            );
        }
        if (body.next === undefined) break;
        query = { limit: "7", cursor: body.next };
      }
      expect(seen).toHaveLength(25);
      expect(new Set(seen).size).toBe(25);
      expect(seen[0]).toBe("inc_p24");
      expect(seen.at(-1)).toBe("inc_p00");

      const providers = await page({ scope: "provider" });
      expect(providers.incidents.map((i) => i.id)).toEqual([
        "inc_p20",
        "inc_p15",
        "inc_p10",
        "inc_p05",
        "inc_p00",
      ]);
      expect(providers.incidents.every((i) => i.scope === "provider")).toBe(true);
      expect((await page({ scope: "account", limit: "100" })).incidents).toHaveLength(20);
      const bad = await listIncidents(
        { route: "GET /incidents", headers: {}, params: {}, query: { cursor: "nope" } },
        { store: incidents, mutes, clock: systemClock },
      );
      expect(bad.statusCode).toBe(422);
      expect(String(bad.body)).toContain("cursor");
    });

    it("hides an expired record everywhere, and lets a new incident take its id", async () => {
      const { incidents } = await engine().fresh();
      const past = now() - 10;
      await incidents.saveIncident(
        record("inc_old", { status: "resolved", expires_at: past, due_at: past }),
        undefined,
      );
      expect(await incidents.getIncident("inc_old")).toBeUndefined();
      expect(await incidents.listIncidents({ limit: 100 })).toEqual([]);
      expect(await incidents.dueIncidents(now(), 10)).toEqual([]);
      expect(await incidents.openIncidentsForAccount("acct_1")).toEqual([]);
      expect(await incidents.saveIncident(record("inc_old", { count: 7 }), undefined)).toBe(true);
      expect(await incidents.getIncident("inc_old")).toMatchObject({ count: 7, version: 1 });
    });
  });
});
