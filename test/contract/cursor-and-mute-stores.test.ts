import { describe, expect, it } from "vitest";
import type { Mute } from "../../shared/incidents/mute.ts";
import { forEachEngine } from "./engines.ts";

const mute = (id: string, over: Partial<Mute> = {}): Mute => ({
  id,
  provider: "lever",
  starts_at: "2026-11-25T10:00:00.000Z",
  ends_at: "2026-11-25T11:00:00.000Z",
  created_by: "admin",
  created_at: "2026-11-25T10:00:00.000Z",
  ...over,
});

forEachEngine((engine) => {
  describe("cursor store", () => {
    it("returns what was set last, and nothing for an unknown name", async () => {
      const { cursors } = await engine().fresh();
      expect(await cursors.get("stackone")).toBeUndefined();
      await cursors.set("stackone", '{"since":"a"}');
      await cursors.set("stackone", '{"since":"b"}');
      await cursors.set("other", "x");
      expect(await cursors.get("stackone")).toBe('{"since":"b"}');
      expect(await cursors.get("other")).toBe("x");
    });
  });

  describe("mute store", () => {
    it("lists only mutes that have not ended, newest first, and removes one early", async () => {
      const { mutes } = await engine().fresh();
      await mutes.create(mute("mute_old", { created_at: "2026-11-25T09:00:00.000Z" }));
      await mutes.create(mute("mute_new", { created_at: "2026-11-25T10:30:00.000Z" }));
      await mutes.create(mute("mute_ended", { ends_at: "2026-11-25T10:15:00.000Z" }));
      const at = new Date("2026-11-25T10:20:00.000Z");
      expect((await mutes.active(at)).map((m) => m.id)).toEqual(["mute_new", "mute_old"]);
      expect(await mutes.remove("mute_old")).toMatchObject({ id: "mute_old", provider: "lever" });
      expect(await mutes.remove("mute_old")).toBeUndefined();
      expect((await mutes.active(at)).map((m) => m.id)).toEqual(["mute_new"]);
      expect(await mutes.active(new Date("2026-11-25T11:00:00.000Z"))).toEqual([]);
    });

    it("refuses a second mute with the same id", async () => {
      const { mutes } = await engine().fresh();
      await mutes.create(mute("mute_1"));
      await expect(mutes.create(mute("mute_1"))).rejects.toThrow();
    });
  });
});
