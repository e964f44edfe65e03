import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { OutboxDelivery } from "../../server/sqlite/outbox-delivery.ts";
import { SqliteBatchProcessor } from "../../server/sqlite/processing-loop.ts";
import { openEventQueue, SqliteEventQueue } from "../../shared/adapters/sqlite/event-queue.ts";
import { openSqliteStores } from "../../shared/adapters/sqlite/stores.ts";
import { createClassifier } from "../../shared/classify/classifier.ts";
import { EVENT_RETENTION_SECONDS } from "../../shared/events/event-time.ts";
import { parseEvent } from "../../shared/events/parse-event.ts";
import type { Notice } from "../../shared/incidents/notice.ts";
import { consoleSink, createLogger, silentLogger } from "../../shared/log.ts";
import { BUILTIN_RULES } from "../../shared/quirks/catalog.ts";
import { leverError } from "../support/factories.ts";
import { eventually } from "../support/local-stack.ts";
import { notice } from "../support/notices.ts";

const opened: { close(): void }[] = [];

/** Both files of a data folder: queue.db first, as at start (the engine reads it). */
const open = (dir = mkdtempSync(join(tmpdir(), "quirkwatch-unit-")), subscribers = ["slack"]) => {
  const queue = openEventQueue(dir);
  const engine = openSqliteStores(dir, subscribers);
  const both = {
    ...engine,
    queue,
    close: () => {
      engine.close();
      queue.close();
    },
  };
  opened.push(both);
  return both;
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
    expect(engine.cleanUp(now)).toEqual({ claims: 1, incidents: 0, mutes: 1, digests: 0 });
    expect(engine.cleanUp(now)).toEqual({ claims: 0, incidents: 0, mutes: 0, digests: 0 });
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
    expect(again.consumer.after(0, 10).map((r) => r.body)).toEqual(['{"a":1}']);
    expect(again.outbox.due(Date.now(), 10).map((r) => r.notice_id)).toEqual([notice(1).id]);
    expect(await again.cursors.get("stackone")).toBe("c1");
  });
});

describe("the events queue", () => {
  it("answers a send only once the disk has it, and refuses it when the disk fails", async () => {
    const engine = open();
    const flushes: { resolve(): void; reject(e: Error): void }[] = [];
    const queue = new SqliteEventQueue(engine.queue.db, {
      flush: () => new Promise((resolve, reject) => void flushes.push({ resolve, reject })),
      close: () => {},
    });
    let answered = false;
    const sent = queue.send([{ id: "0", body: "{}" }]).then(() => {
      answered = true;
    });
    await eventually(async () => (flushes.length === 1 ? true : undefined), 2_000);
    // Committed (a crash of the process keeps it), but not yet on disk: no answer yet.
    expect(engine.consumer.after(0, 10)).toHaveLength(1);
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
    expect(engine.consumer.after(0, 10).map((r) => r.body)).toEqual(["1", "2", "3"]);
  });
});

describe("the queue file and the processed mark", () => {
  const classifier = createClassifier(BUILTIN_RULES);
  /** Both files and the processor, wired as `npm start` wires them across its two threads. */
  const start = (dir: string) => {
    const engine = open(dir);
    const processor = new SqliteBatchProcessor(engine, {
      classifier,
      mutes: engine.mutes,
      log: silentLogger,
    });
    processor.onProcessed = (through) => engine.queue.processed(through);
    engine.queue.resumeAfter(processor.processedThrough());
    return { ...engine, processor };
  };
  const revoked = (n: number) => ({
    id: `evt_${n}`,
    body: JSON.stringify(
      parseEvent(
        leverError(`evt_${n}`, 401, {
          occurred_at: new Date().toISOString(),
          error: { message: "Unauthorized" },
        }),
      ),
    ),
  });
  const rowsIn = (engine: ReturnType<typeof start>) =>
    (engine.queue.db.prepare("SELECT count(*) AS n FROM queue").get() as { n: number }).n;
  const counted = async (engine: ReturnType<typeof start>) =>
    (await engine.incidents.listIncidents({ limit: 10 })).reduce((sum, i) => sum + i.count, 0);
  /** A fresh data folder whose first three events are processed (and synced). */
  const threeProcessed = async () => {
    const dir = mkdtempSync(join(tmpdir(), "quirkwatch-unit-"));
    const engine = start(dir);
    await engine.queue.send([1, 2, 3].map(revoked));
    expect(engine.processor.processOnce()).toBe(3);
    await engine.processor.synced();
    return { dir, first: engine };
  };

  it("processes new events after every queued row was deleted, in the same run and after a restart", async () => {
    const { dir, first } = await threeProcessed();
    // Processed and on disk: queue.db lets the rows go.
    await eventually(async () => (rowsIn(first) === 0 ? true : undefined), 2_000);

    // A seq used before (a rowid after the largest left, as without AUTOINCREMENT) would be at
    // or below the mark, and never processed.
    await first.queue.send([revoked(4)]);
    expect(first.processor.processOnce()).toBe(1);
    await first.processor.synced();
    first.close();

    const again = start(dir);
    expect(rowsIn(again)).toBe(0);
    await again.queue.send([revoked(5)]);
    expect(again.processor.processOnce()).toBe(1);
    expect(await counted(again)).toBe(5);
  });

  it("lets queue.db delete rows only once the batch that processed them is on disk", async () => {
    const engine = start(mkdtempSync(join(tmpdir(), "quirkwatch-unit-")));
    const flushes: { resolve(): void; reject(e: Error): void }[] = [];
    const lines: string[] = [];
    const disk = {
      flush: () => new Promise<void>((resolve, reject) => void flushes.push({ resolve, reject })),
      close: () => {},
    };
    const processor = new SqliteBatchProcessor(
      { ...engine, wal: disk },
      {
        classifier,
        mutes: engine.mutes,
        log: createLogger(consoleSink((line) => lines.push(line))),
      },
    );
    const reported: number[] = [];
    processor.onProcessed = (through) => {
      reported.push(through);
      engine.queue.processed(through);
    };
    await engine.queue.send([1, 2].map(revoked));
    expect(processor.processOnce()).toBe(2);
    // Committed, not yet synced: a power cut could take the commit back, so the rows stay.
    await new Promise((r) => setTimeout(r, 20));
    expect(reported).toEqual([]);
    expect(rowsIn(engine)).toBe(2);
    flushes[0]?.reject(new Error("EIO"));
    await processor.synced();
    expect(reported).toEqual([]);
    expect(lines).toEqual([
      "processor: error: quirkwatch.db was not synced (EIO); queue.db keeps the rows",
    ]);

    await engine.queue.send([revoked(3)]);
    expect(processor.processOnce()).toBe(1);
    flushes[1]?.resolve();
    await processor.synced();
    expect(reported).toEqual([3]);
    await eventually(async () => (rowsIn(engine) === 0 ? true : undefined), 2_000);
  });

  it("numbers new events after the mark when queue.db is older than quirkwatch.db", async () => {
    const { dir, first } = await threeProcessed();
    first.close();
    // queue.db lost (or restored from a backup taken before quirkwatch.db's): it starts over.
    for (const suffix of ["", "-wal", "-shm"])
      rmSync(join(dir, `queue.db${suffix}`), { force: true });

    const again = start(dir);
    await again.queue.send([revoked(4)]);
    expect(again.processor.processOnce()).toBe(1);
    expect(await counted(again)).toBe(4);
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
      { log: silentLogger, retry: { ...fast, attempts: 5 } },
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
      { log: createLogger(consoleSink((line) => lines.push(line))), retry: fast },
    );
    engine.outbox.onPublished = () => delivery.wake();
    await engine.outbox.publish([notice(2)]);
    await eventually(async () => (engine.outbox.counts().dead === 1 ? true : undefined), 5_000);
    await delivery.stop();
    expect(engine.outbox.counts()).toEqual({ pending: 0, dead: 1 });
    expect(lines).toEqual([
      `outbox: error: gave up delivering ${notice(2).id} to slack after 3 attempts: HTTP 500 internal_error`,
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
      { log: silentLogger, concurrency: 4 },
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
