import { type EventQueue, type QueueMessage, QueueUnavailable } from "../../ingest/queue.ts";
import { type Db, isFull } from "./database.ts";
import type { Flush } from "./wal-sync.ts";

export type QueuedRow = { seq: number; body: string };

type Waiting = { messages: QueueMessage[]; done: (error?: Error) => void };

/**
 * The events queue as a table. `send` resolves only once its messages are committed and on disk
 * (a 202 survives power loss). Sends that arrive together share one commit, and commits share
 * fsyncs, which run off the thread (`WalSync`): it appends and processes meanwhile.
 */
export class SqliteEventQueue implements EventQueue {
  private waiting: Waiting[] = [];
  private scheduled = false;
  private readonly sql;
  /** Told after each commit, with how many rows it added (the processor wakes up). */
  onAppended: (rows: number) => void = () => {};

  constructor(
    private readonly db: Db,
    private readonly disk: Flush,
  ) {
    this.sql = {
      append: db.prepare("INSERT INTO queue (body) VALUES (?)"),
      oldest: db.prepare<[number], QueuedRow>("SELECT seq, body FROM queue ORDER BY seq LIMIT ?"),
      removeThrough: db.prepare("DELETE FROM queue WHERE seq <= ?"),
      count: db.prepare<[], { n: number }>("SELECT count(*) AS n FROM queue"),
      dead: db.prepare("INSERT INTO dead_events (body, error, at) VALUES (?, ?, ?)"),
      deadCount: db.prepare<[], { n: number }>("SELECT count(*) AS n FROM dead_events"),
    };
  }

  send(messages: QueueMessage[]): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiting.push({ messages, done: (error) => (error ? reject(error) : resolve()) });
      if (!this.scheduled) {
        this.scheduled = true;
        // Everything sent before the event loop turns joins this commit.
        setImmediate(() => this.commit());
      }
    });
  }

  /** The oldest queued rows, at most `limit`. */
  oldest(limit: number): QueuedRow[] {
    return this.sql.oldest.all(limit);
  }

  /** Deletes the rows up to `seq`; call it inside the transaction that handled them. */
  removeThrough(seq: number): void {
    this.sql.removeThrough.run(seq);
  }

  /** Keeps a row the processor cannot read, with why; call it inside the same transaction. */
  deadLetter(row: QueuedRow, error: string, at: Date): void {
    this.sql.dead.run(row.body, error, at.toISOString());
  }

  pending(): number {
    return this.sql.count.get()?.n ?? 0;
  }

  deadLettered(): number {
    return this.sql.deadCount.get()?.n ?? 0;
  }

  private commit(): void {
    const group = this.waiting;
    this.waiting = [];
    this.scheduled = false;
    let rows = 0;
    try {
      this.db.transaction(() => {
        for (const { messages } of group)
          for (const message of messages) {
            this.sql.append.run(message.body);
            rows += 1;
          }
      })();
    } catch (error) {
      const reason = isFull(error)
        ? new QueueUnavailable("the database is full (disk or DATA_MAX_MB)")
        : (error as Error);
      for (const { done } of group) done(reason);
      return;
    }
    this.onAppended(rows);
    // Committed: safe from a crash of the process. A 202 waits until it is on disk too.
    this.disk.flush().then(
      () => {
        for (const { done } of group) done();
      },
      (error: Error) => {
        const reason = new QueueUnavailable(`the disk did not take the events (${error.message})`);
        for (const { done } of group) done(reason);
      },
    );
  }
}
