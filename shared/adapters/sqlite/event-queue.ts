import { join } from "node:path";
import { type EventQueue, type QueueMessage, QueueUnavailable } from "../../events/queue.ts";
import { type DatabaseOptions, type Db, isFull, openDatabase, QUEUE_FILE } from "./database.ts";
import { QUEUE_MIGRATIONS } from "./migrations.ts";
import { ensurePrivateDir } from "./private-files.ts";
import { type Flush, WalSync } from "./wal-sync.ts";

type Waiting = { messages: QueueMessage[]; done: (error?: Error) => void };

/** Processed rows deleted per step: short steps, so an append never waits long behind one. */
const DELETE_CHUNK = 2_000;
/** Rows per INSERT: a statement per row costs about a third more per row. */
const ROWS_PER_INSERT = 50;

/**
 * The events queue: `DATA_DIR/queue.db`, written only by the thread that accepts events, so an
 * append never waits behind processing. `send` resolves once its messages are committed and on
 * disk (a 202 survives power loss). Group commit: while one fsync runs (off the thread,
 * `WalSync`), what is sent waits, and when it ends everything waiting goes in one transaction and
 * one fsync; with many clients, one commit and one fsync answer dozens of requests. The
 * processor reads the file through its own connection (`SqliteQueueConsumer`) and reports what
 * it has processed (`processed`): only then are those rows deleted, a chunk at a time.
 */
export class SqliteEventQueue implements EventQueue {
  private waiting: Waiting[] = [];
  private scheduled = false;
  /** A commit's fsync is running: sends wait for it to end, then share the next commit. */
  private syncing = false;
  private processedThrough = 0;
  private deleteScheduled = false;
  private readonly sql;
  /** Appends a group in one transaction; returns the seq of its last row. */
  private readonly appendGroup: (group: Waiting[]) => number;
  /** Rows appended by this run. */
  appended = 0;
  /** Told after each commit, with the seq of its last row (the processor wakes up). */
  onAppended: (through: number) => void = () => {};

  constructor(
    readonly db: Db,
    private readonly disk: Flush,
  ) {
    this.sql = {
      append: db.prepare("INSERT INTO queue (body) VALUES (?)"),
      appendMany: db.prepare(
        `INSERT INTO queue (body) VALUES ${Array(ROWS_PER_INSERT).fill("(?)").join(", ")}`,
      ),
      deleteProcessed: db.prepare(
        "DELETE FROM queue WHERE seq IN (SELECT seq FROM queue WHERE seq <= ? ORDER BY seq LIMIT ?)",
      ),
      pending: db.prepare<[number], { n: number }>("SELECT count(*) AS n FROM queue WHERE seq > ?"),
      anyPending: db.prepare<[number], { one: number }>(
        "SELECT 1 AS one FROM queue WHERE seq > ? LIMIT 1",
      ),
      sequenceRow: db.prepare(
        `INSERT INTO sqlite_sequence (name, seq) SELECT 'queue', 0
         WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'queue')`,
      ),
      raiseSequence: db.prepare(
        "UPDATE sqlite_sequence SET seq = @seq WHERE name = 'queue' AND seq < @seq",
      ),
    };
    // Made once: wrapping a function in a transaction costs about as much as a small commit.
    this.appendGroup = db.transaction((group: Waiting[]) => {
      const bodies = group.flatMap(({ messages }) => messages.map((m) => m.body));
      let last = 0;
      let i = 0;
      for (; i + ROWS_PER_INSERT <= bodies.length; i += ROWS_PER_INSERT)
        last = Number(
          this.sql.appendMany.run(bodies.slice(i, i + ROWS_PER_INSERT)).lastInsertRowid,
        );
      for (; i < bodies.length; i++) last = Number(this.sql.append.run(bodies[i]).lastInsertRowid);
      return last;
    });
  }

  send(messages: QueueMessage[]): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiting.push({ messages, done: (error) => (error ? reject(error) : resolve()) });
      this.scheduleCommit();
    });
  }

  /**
   * Commits on the next turn of the event loop, so that every request read in this one joins
   * the commit; while an fsync runs, once it has ended.
   */
  private scheduleCommit(): void {
    if (this.scheduled || this.syncing || this.waiting.length === 0) return;
    this.scheduled = true;
    setImmediate(() => this.commit());
  }

  /**
   * Where the processor is at start (its mark in quirkwatch.db). New rows are numbered after it
   * even when this file is older than quirkwatch.db (restored from an earlier backup, or lost):
   * a seq at or below the mark would never be processed.
   */
  resumeAfter(processedThrough: number): void {
    this.db.transaction(() => {
      this.sql.sequenceRow.run();
      this.sql.raiseSequence.run({ seq: processedThrough });
    })();
    this.processed(processedThrough);
  }

  /** The processor has committed (and synced) every row up to `seq`: they may go. */
  processed(seq: number): void {
    if (seq <= this.processedThrough) return;
    this.processedThrough = seq;
    this.scheduleDelete();
  }

  /** Rows appended and not yet processed. */
  pending(): number {
    return this.sql.pending.get(this.processedThrough)?.n ?? 0;
  }

  /** Whether any row awaits the processor (cheaper than `pending`). */
  hasPending(): boolean {
    return this.sql.anyPending.get(this.processedThrough) !== undefined;
  }

  /** Deletes every processed row (the file is left holding only what is still to do). */
  close(): void {
    try {
      this.sql.deleteProcessed.run(this.processedThrough, Number.MAX_SAFE_INTEGER);
    } catch {
      // The next start deletes them.
    }
    this.disk.close();
    this.db.close();
  }

  private scheduleDelete(): void {
    if (this.deleteScheduled) return;
    this.deleteScheduled = true;
    setImmediate(() => {
      this.deleteScheduled = false;
      if (!this.db.open) return;
      try {
        const { changes } = this.sql.deleteProcessed.run(this.processedThrough, DELETE_CHUNK);
        if (changes === DELETE_CHUNK) this.scheduleDelete();
      } catch {
        // Processed rows left behind are skipped by the processor; the next report tries again.
      }
    });
  }

  private commit(): void {
    const group = this.waiting;
    this.waiting = [];
    this.scheduled = false;
    let last: number;
    try {
      last = this.appendGroup(group);
    } catch (error) {
      const reason = isFull(error)
        ? new QueueUnavailable("the queue is full (disk or DATA_MAX_MB)")
        : (error as Error);
      for (const { done } of group) done(reason);
      return;
    }
    for (const { messages } of group) this.appended += messages.length;
    this.onAppended(last);
    // Committed: safe from a crash of the process. A 202 waits until it is on disk too.
    this.syncing = true;
    this.disk.flush().then(
      () => {
        this.synced();
        for (const { done } of group) done();
      },
      (error: Error) => {
        this.synced();
        const reason = new QueueUnavailable(`the disk did not take the events (${error.message})`);
        for (const { done } of group) done(reason);
      },
    );
  }

  private synced(): void {
    this.syncing = false;
    this.scheduleCommit();
  }
}

/** Opens (creating if needed) `DATA_DIR/queue.db`; the caller's thread is its only writer. */
export function openEventQueue(dataDir: string, options: DatabaseOptions = {}): SqliteEventQueue {
  ensurePrivateDir(dataDir);
  const path = join(dataDir, QUEUE_FILE);
  const db = openDatabase(path, QUEUE_MIGRATIONS, options);
  return new SqliteEventQueue(db, new WalSync(`${path}-wal`));
}
