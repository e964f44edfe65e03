import type { AlertBus } from "../../incidents/bus.ts";
import type { Notice } from "../../incidents/notice.ts";
import type { Db } from "./database.ts";

/** One notice owed to one subscriber. `due_at` in epoch milliseconds. */
export type OutboxRow = {
  notice_id: string;
  subscriber: string;
  notice: string;
  attempts: number;
  due_at: number;
};

/**
 * The alerts topic as a durable outbox: publishing writes one row per (notice, subscriber), in
 * the caller's transaction when there is one. A row leaves only once delivered or dead-lettered.
 */
export class SqliteAlertOutbox implements AlertBus {
  private readonly sql;
  /** Notices published since this process opened the outbox. */
  publishedCount = 0;
  /** Told after notices are written (the deliverer wakes up). */
  onPublished: () => void = () => {};

  constructor(
    private readonly db: Db,
    private readonly subscribers: string[],
  ) {
    this.sql = {
      // Published again (an orphan re-published) while still owed: one row is enough.
      insert: db.prepare(
        "INSERT OR IGNORE INTO outbox (notice_id, subscriber, notice, due_at) VALUES (?, ?, ?, ?)",
      ),
      due: db.prepare<[string, number, number], OutboxRow>(
        `SELECT notice_id, subscriber, notice, attempts, due_at FROM outbox
         WHERE subscriber = ? AND due_at <= ? ORDER BY due_at LIMIT ?`,
      ),
      next: db.prepare<[], { at: number | null }>("SELECT min(due_at) AS at FROM outbox"),
      remove: db.prepare("DELETE FROM outbox WHERE notice_id = ? AND subscriber = ?"),
      later: db.prepare(
        `UPDATE outbox SET attempts = attempts + 1, due_at = ?, last_error = ?
         WHERE notice_id = ? AND subscriber = ?`,
      ),
      dead: db.prepare(
        `INSERT OR REPLACE INTO dead_deliveries (notice_id, subscriber, notice, attempts, error, at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      counts: db.prepare<[], { pending: number; dead: number }>(
        `SELECT (SELECT count(*) FROM outbox) AS pending,
           (SELECT count(*) FROM dead_deliveries) AS dead`,
      ),
    };
  }

  async publish(notices: Notice[]): Promise<void> {
    this.db.transaction(() => this.publishNow(notices))();
  }

  /** Writes the rows in the caller's transaction; delivery starts once it commits. */
  publishNow(notices: Notice[]): void {
    const now = Date.now();
    for (const notice of notices) {
      const body = JSON.stringify(notice);
      for (const subscriber of this.subscribers)
        this.sql.insert.run(notice.id, subscriber, body, now);
    }
    this.publishedCount += notices.length;
    if (notices.length > 0) queueMicrotask(() => this.onPublished());
  }

  /** Rows due at `nowMs`, oldest first, at most `limit` per subscriber (all, or the one named). */
  due(nowMs: number, limit: number, subscriber?: string): OutboxRow[] {
    const names = subscriber === undefined ? this.subscribers : [subscriber];
    return names.flatMap((name) => this.sql.due.all(name, nowMs, limit));
  }

  /** When the next row is due (epoch ms); undefined when the outbox is empty. */
  nextDueAt(): number | undefined {
    return this.sql.next.get()?.at ?? undefined;
  }

  delivered(row: OutboxRow): void {
    this.sql.remove.run(row.notice_id, row.subscriber);
  }

  retryAt(row: OutboxRow, atMs: number, error: string): void {
    this.sql.later.run(atMs, error, row.notice_id, row.subscriber);
  }

  deadLetter(row: OutboxRow, error: string, at: Date): void {
    this.db.transaction(() => {
      this.sql.dead.run(
        row.notice_id,
        row.subscriber,
        row.notice,
        row.attempts + 1,
        error,
        at.toISOString(),
      );
      this.sql.remove.run(row.notice_id, row.subscriber);
    })();
  }

  counts(): { pending: number; dead: number } {
    return this.sql.counts.get() ?? { pending: 0, dead: 0 };
  }
}
