import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openSqliteEngine, type SqliteEngine } from "../../shared/adapters/sqlite/engine.ts";
import { SqliteEventQueue } from "../../shared/adapters/sqlite/event-queue.ts";
import { OutboxDelivery } from "../../shared/adapters/sqlite/outbox-delivery.ts";
import type { Notice } from "../../shared/incidents/notice.ts";
import { EVENT_RETENTION_SECONDS } from "../../shared/incidents/store.ts";
import { eventually } from "../support/local-stack.ts";
import { notice } from "../support/notices.ts";

const opened: SqliteEngine[] = [];
const open = (dir = mkdtempSync(join(tmpdir(), "quirkwatch-unit-")), subscribers = ["slack"]) => {
  const engine = openSqliteEngine(dir, subscribers);
  opened.push(engine);
  return engine;
};
afterEach(() => {
  for (const engine of opened.splice(0)) engine.close();
});

describe("the SQLite engine's clean-up", () => {
  it("deletes expired claims, resolved incidents past their expiry and ended mutes, nothing else", async () => {
    const engine = open();
    const now = Date.now();
    await engine.incidents.claimEvent({ source: "s", id: "old" }, { token: "t", message_id: "m" });
    await engine.incidents.claimEvent({ source: "s", id: "new" }, { token: "t", message_id: "m" });
    engine.db
      .prepare("UPDATE claims SET expires_at = ? WHERE id = 'old'")
      .run(Math.floor(now / 1000) - 1);
    await engine.mutes.create({
      id: "mute_ended",
      starts_at: new Date(now - 7200_000).toISOString(),
      ends_at: new Date(now - 1000).toISOString(),
      created_by: "a",
      created_at: new Date(now - 7200_000).toISOString(),
    });
    await engine.mutes.create({
      id: "mute_on",
      starts_at: new Date(now).toISOString(),
      ends_at: new Date(now + 3600_000).toISOString(),
      created_by: "a",
      created_at: new Date(now).toISOString(),
    });
    expect(engine.cleanUp(now)).toEqual({ claims: 1, incidents: 0, mutes: 1 });
    expect(engine.cleanUp(now)).toEqual({ claims: 0, incidents: 0, mutes: 0 });
    // The kept claim still counts its event once.
    expect(
      await engine.incidents.claimEvent(
        { source: "s", id: "new" },
        { token: "u", message_id: "n" },
      ),
    ).toMatchObject({ status: "duplicate" });
    expect(
      await engine.incidents.claimEvent(
        { source: "s", id: "old" },
        { token: "u", message_id: "n" },
      ),
    ).toEqual({
      status: "claimed",
    });
    expect((await engine.mutes.active(new Date(now))).map((m) => m.id)).toEqual(["mute_on"]);
    expect(EVENT_RETENTION_SECONDS).toBe(7 * 24 * 3600);
  });

  it("keeps what it was given across a reopen: queue, outbox, subscriptions, cursors", async () => {
    const dir = mkdtempSync(join(tmpdir(), "quirkwatch-unit-"));
    const first = open(dir);
    await first.queue.send([{ id: "0", body: '{"a":1}' }]);
    await first.outbox.publish([notice(1)]);
    await first.cursors.set("stackone", "c1");
    first.close();
    const again = open(dir);
    expect(again.queue.oldest(10).map((r) => r.body)).toEqual(['{"a":1}']);
    expect(again.outbox.due(Date.now(), 10).map((r) => r.notice_id)).toEqual([notice(1).id]);
    expect(await again.cursors.get("stackone")).toBe("c1");
  });
});

describe("the events queue", () => {
  it("answers a send only once the disk has it, and refuses it when the disk fails", async () => {
    const engine = open();
    const flushes: { resolve(): void; reject(e: Error): void }[] = [];
    const queue = new SqliteEventQueue(engine.db, {
      flush: () => new Promise((resolve, reject) => void flushes.push({ resolve, reject })),
    });
    let answered = false;
    const sent = queue.send([{ id: "0", body: "{}" }]).then(() => {
      answered = true;
    });
    await eventually(async () => (flushes.length === 1 ? true : undefined), 2_000);
    // Committed (a crash of the process keeps it), but not yet on disk: no answer yet.
    expect(queue.oldest(10)).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 20));
    expect(answered).toBe(false);
    flushes[0]?.resolve();
    await sent;

    const failed = queue.send([{ id: "0", body: "{}" }]);
    await eventually(async () => (flushes.length === 2 ? true : undefined), 2_000);
    flushes[1]?.reject(new Error("EIO"));
    await expect(failed).rejects.toThrow(/the disk did not take the events \(EIO\)/);
  });

  it("fsyncs the real WAL file, one fsync for sends made together", async () => {
    const engine = open();
    await Promise.all([1, 2, 3].map((n) => engine.queue.send([{ id: "0", body: String(n) }])));
    expect(engine.queue.oldest(10).map((r) => r.body)).toEqual(["1", "2", "3"]);
  });
});

describe("outbox delivery", () => {
  const fast = { attempts: 3, baseMs: 5, maxMs: 10 };

  it("retries a failing destination and delivers once it works, once", async () => {
    const engine = open();
    let calls = 0;
    const got: Notice[] = [];
    const delivery = new OutboxDelivery(
      engine.outbox,
      [
        {
          name: "slack",
          async deliver(n) {
            calls += 1;
            if (calls < 3) throw new Error("HTTP 500");
            got.push(n);
          },
        },
      ],
      { log: () => {}, retry: { ...fast, attempts: 5 } },
    );
    engine.outbox.onPublished = () => delivery.wake();
    await engine.outbox.publish([notice(1)]);
    await eventually(async () => (engine.outbox.counts().pending === 0 ? true : undefined), 5_000);
    await delivery.stop();
    expect(got.map((n) => n.id)).toEqual([notice(1).id]);
    expect(calls).toBe(3);
    expect(engine.outbox.counts()).toEqual({ pending: 0, dead: 0 });
  });

  it("dead-letters after the last attempt, with one console line, and keeps the notice", async () => {
    const engine = open();
    const lines: string[] = [];
    const delivery = new OutboxDelivery(
      engine.outbox,
      [
        {
          name: "slack",
          deliver: async () => {
            throw new Error("HTTP 500 internal_error");
          },
        },
      ],
      { log: (line) => lines.push(line), retry: fast },
    );
    engine.outbox.onPublished = () => delivery.wake();
    await engine.outbox.publish([notice(2)]);
    await eventually(async () => (engine.outbox.counts().dead === 1 ? true : undefined), 5_000);
    await delivery.stop();
    expect(engine.outbox.counts()).toEqual({ pending: 0, dead: 1 });
    expect(lines).toEqual([
      `outbox: gave up delivering ${notice(2).id} to slack after 3 attempts: HTTP 500 internal_error`,
    ]);
    const dead = engine.db.prepare("SELECT notice FROM dead_deliveries").get() as {
      notice: string;
    };
    expect(JSON.parse(dead.notice)).toEqual(notice(2));
  });

  it("never lets a slow destination hold up the others", async () => {
    const engine = open(undefined, ["slack", "console"]);
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const printed: string[] = [];
    const delivery = new OutboxDelivery(
      engine.outbox,
      [
        { name: "slack", deliver: () => gate },
        { name: "console", deliver: async (n) => void printed.push(n.id) },
      ],
      { log: () => {}, concurrency: 4 },
    );
    engine.outbox.onPublished = () => delivery.wake();
    const notices = Array.from({ length: 20 }, (_, i) => notice(i));
    await engine.outbox.publish(notices);
    await eventually(async () => (printed.length === 20 ? true : undefined), 5_000);
    expect(delivery.busy()).toBe(4);
    release();
    await eventually(async () => (engine.outbox.counts().pending === 0 ? true : undefined), 5_000);
    await delivery.stop();
  });
});
