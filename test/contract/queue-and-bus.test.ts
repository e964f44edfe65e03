import { describe, expect, it } from "vitest";
import { notice } from "../support/notices.ts";
import { forEachEngine } from "./engines.ts";

forEachEngine((engine) => {
  describe("events queue", () => {
    it("keeps every message whose send resolved, whole and in order, concurrent sends too", async () => {
      const pipes = await engine().pipes();
      const body = (i: number) => JSON.stringify({ n: i, text: "é🙂".repeat(i % 7) });
      await pipes.queue.send([{ id: "0", body: body(0) }]);
      // 60 a send, sent together: SQLite writes them in one commit, many rows to a statement.
      await Promise.all(
        [1, 2, 3].map((k) =>
          pipes.queue.send(
            Array.from({ length: 60 }, (_, i) => ({ id: String(i), body: body(k * 100 + i) })),
          ),
        ),
      );
      const queued = await pipes.queued();
      expect(queued).toHaveLength(181);
      expect(queued[0]).toBe(body(0));
      expect([...queued].sort()).toEqual(
        [
          body(0),
          ...[1, 2, 3].flatMap((k) => Array.from({ length: 60 }, (_, i) => body(k * 100 + i))),
        ].sort(),
      );
      // Each send's messages stay in the order given.
      const positions = (k: number) =>
        Array.from({ length: 60 }, (_, i) => queued.indexOf(body(k * 100 + i)));
      for (const k of [1, 2, 3])
        expect(positions(k)).toEqual([...positions(k)].sort((a, b) => a - b));
    });

    it("rejects a send it cannot take, rather than resolving", async () => {
      const pipes = await engine().pipes();
      const full = await pipes.fullQueue();
      await expect(full.send([{ id: "0", body: "x".repeat(4000) }])).rejects.toThrow();
    });
  });

  describe("alerts bus", () => {
    it("keeps every published notice whole for its subscribers", async () => {
      const pipes = await engine().pipes();
      const notices = [notice(1), notice(2, {}, "resolved"), notice(3, { title: "Ünïcode ✓" })];
      await pipes.bus.publish(notices);
      const published = await pipes.published();
      expect([...published].sort((a, b) => a.id.localeCompare(b.id))).toEqual(notices);
    });
  });
});
