import { describe, expect, it } from "vitest";
import type { Subscription } from "../../shared/notify/subscription.ts";
import { forEachEngine } from "./engines.ts";

const subscription = (id: string, over: Partial<Subscription> = {}): Subscription => ({
  id,
  kind: "webhook",
  target: `https://hooks.example.com/${id}`,
  filter: { providers: ["lever"] },
  created_at: "2026-11-24T10:00:00.000Z",
  secret: `whsec_${id}`,
  ...over,
});

forEachEngine((engine) => {
  describe("subscription store", () => {
    it("creates, gets and lists newest first, by kind", async () => {
      const { subscriptions } = await engine().fresh();
      await subscriptions.create(subscription("sub_1"));
      await subscriptions.create(
        subscription("sub_2", { kind: "slack", created_at: "2026-11-24T11:00:00.000Z" }),
      );
      await subscriptions.create(
        subscription("sub_3", { kind: "email", created_at: "2026-11-24T12:00:00.000Z" }),
      );
      expect(await subscriptions.get("sub_1")).toEqual(subscription("sub_1"));
      expect(await subscriptions.get("sub_9")).toBeUndefined();
      expect((await subscriptions.list()).map((s) => s.id)).toEqual(["sub_3", "sub_2", "sub_1"]);
      expect((await subscriptions.list("slack")).map((s) => s.id)).toEqual(["sub_2"]);
      expect(await subscriptions.list("webhook")).toEqual([subscription("sub_1")]);
    });

    it("refuses a second subscription with the same id", async () => {
      const { subscriptions } = await engine().fresh();
      await subscriptions.create(subscription("sub_1"));
      await expect(subscriptions.create(subscription("sub_1"))).rejects.toThrow();
    });

    it("replaces the filter and keeps the rest, the secret too", async () => {
      const { subscriptions } = await engine().fresh();
      await subscriptions.create(subscription("sub_1"));
      const updated = await subscriptions.updateFilter("sub_1", { min_severity: "error" });
      expect(updated).toEqual({ ...subscription("sub_1"), filter: { min_severity: "error" } });
      expect(await subscriptions.get("sub_1")).toEqual(updated);
      expect(await subscriptions.updateFilter("sub_9", {})).toBeUndefined();
      expect(await subscriptions.get("sub_9")).toBeUndefined();
    });

    it("removes one and says what it removed, once", async () => {
      const { subscriptions } = await engine().fresh();
      await subscriptions.create(subscription("sub_1"));
      expect(await subscriptions.remove("sub_1")).toEqual(subscription("sub_1"));
      expect(await subscriptions.remove("sub_1")).toBeUndefined();
      expect(await subscriptions.list()).toEqual([]);
    });

    it("marks one broken once: only the first call says it did", async () => {
      const { subscriptions } = await engine().fresh();
      await subscriptions.create(subscription("sub_1"));
      const at = "2026-11-24T13:00:00.000Z";
      const calls = await Promise.all([
        subscriptions.markBroken("sub_1", "HTTP 410 gone", at),
        subscriptions.markBroken("sub_1", "HTTP 404 no_service", at),
      ]);
      expect(calls.filter(Boolean)).toHaveLength(1);
      expect(await subscriptions.markBroken("sub_1", "again", at)).toBe(false);
      expect(await subscriptions.markBroken("sub_9", "gone", at)).toBe(false);
      expect(await subscriptions.get("sub_9")).toBeUndefined();
      const broken = await subscriptions.get("sub_1");
      expect(broken).toMatchObject({ broken_at: at, secret: "whsec_sub_1" });
      expect(["HTTP 410 gone", "HTTP 404 no_service"]).toContain(broken?.broken_reason);
    });
  });
});
