import Database from "better-sqlite3";
import type { Db } from "./database.ts";

export type QueuedRow = { seq: number; body: string };

/**
 * The processor's side of the events queue. It reads queue.db, which only the HTTP thread
 * writes, through a read-only connection of its own (each read a fresh snapshot, held for no
 * longer than the read). What is processed is a mark in quirkwatch.db, moved by the transaction
 * that processes the rows: a crash before that commit reads them again, and after it skips them.
 * Rows the processor cannot read are kept in quirkwatch.db too (`dead_events`).
 */
export class SqliteQueueConsumer {
  private readonly queue: Db;
  private readonly sql;

  constructor(db: Db, queuePath: string) {
    // The HTTP thread creates the file (and its schema) before the engine starts.
    this.queue = new Database(queuePath, { readonly: true, fileMustExist: true });
    this.sql = {
      after: this.queue.prepare<[number, number], QueuedRow>(
        "SELECT seq, body FROM queue WHERE seq > ? ORDER BY seq LIMIT ?",
      ),
      mark: db.prepare<[], { through: number }>(
        "SELECT processed_through AS through FROM queue_progress",
      ),
      setMark: db.prepare("UPDATE queue_progress SET processed_through = ?"),
      dead: db.prepare("INSERT INTO dead_events (body, error, at) VALUES (?, ?, ?)"),
      deadCount: db.prepare<[], { n: number }>("SELECT count(*) AS n FROM dead_events"),
    };
  }

  /** The last seq processed, as committed. */
  processedThrough(): number {
    return this.sql.mark.get()?.through ?? 0;
  }

  /** The oldest rows after `seq`, at most `limit`. */
  after(seq: number, limit: number): QueuedRow[] {
    return this.sql.after.all(seq, limit);
  }

  /** Moves the mark to `seq`; call it inside the transaction that handled the rows. */
  markProcessed(seq: number): void {
    this.sql.setMark.run(seq);
  }

  /** Keeps a row the processor cannot read, with why; call it inside the same transaction. */
  deadLetter(row: QueuedRow, error: string, at: Date): void {
    this.sql.dead.run(row.body, error, at.toISOString());
  }

  deadLettered(): number {
    return this.sql.deadCount.get()?.n ?? 0;
  }

  close(): void {
    this.queue.close();
  }
}
