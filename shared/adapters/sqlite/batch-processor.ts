import { randomBytes } from "node:crypto";
import type { Classifier } from "../../classify/classifier.ts";
import type { IntegrationEvent } from "../../events/event.ts";
import { processInTransaction } from "../../incidents/process-in-transaction.ts";
import type { SqliteAlertOutbox } from "./alert-outbox.ts";
import { type Db, isFull } from "./database.ts";
import type { QueuedRow, SqliteEventQueue } from "./event-queue.ts";
import type { SqliteIncidentStore } from "./incident-store.ts";
import type { SqliteMuteStore } from "./mute-store.ts";

export type BatchProcessorOptions = {
  classifier: Classifier;
  /** Mutes by matcher hold back notices; read once per batch, in its transaction. */
  mutes: SqliteMuteStore;
  now?: () => Date;
  log: (line: string) => void;
  /** Most queued rows in one transaction. */
  batchSize?: number;
  /** How long a partial batch waits for more rows, so incident writes coalesce. */
  windowMs?: number;
};

export type ProcessorStats = { batches: number; events: number; duplicates: number };

/** How long to wait before trying again when the disk (or the size cap) is full. */
const FULL_RETRY_MS = 1_000;

/**
 * The processor of the single-node engine: takes the oldest queued rows and handles them in one
 * transaction (`processInTransaction`), which also deletes them. A batch that fails is retried
 * row by row, and a row that fails alone is dead-lettered: one bad event never blocks the rest.
 */
export class SqliteBatchProcessor {
  readonly stats: ProcessorStats = { batches: 0, events: 0, duplicates: 0 };
  private queued: number;
  private timer: NodeJS.Timeout | undefined;
  private readonly batchSize: number;
  private readonly windowMs: number;
  private readonly now: () => Date;
  private lastFullLog = 0;

  constructor(
    private readonly db: Db,
    private readonly queue: SqliteEventQueue,
    private readonly store: SqliteIncidentStore,
    private readonly outbox: SqliteAlertOutbox,
    private readonly options: BatchProcessorOptions,
  ) {
    this.batchSize = options.batchSize ?? 2_000;
    this.windowMs = options.windowMs ?? 50;
    this.now = options.now ?? (() => new Date());
    this.queued = queue.pending();
  }

  /** Rows waiting. */
  pending(): number {
    return this.queued;
  }

  /** Rows were appended: process them once a batch is full or the window has passed. */
  appended(rows: number): void {
    this.queued += rows;
    this.schedule(this.queued >= this.batchSize ? 0 : this.windowMs);
  }

  /** Starts on what an earlier run left queued. */
  start(): void {
    if (this.queued > 0) this.schedule(0);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Processes everything queued now (on shutdown); with no room left, leaves it queued. */
  drain(): void {
    try {
      while (this.queued > 0 && this.processOnce() > 0);
    } catch (error) {
      if (!isFull(error)) throw error;
      this.options.log(
        "processor: the database is full; the queued events wait for the next start",
      );
    }
  }

  /** One batch of at most `batchSize` of the oldest rows; returns how many rows it handled. */
  processOnce(): number {
    const rows = this.queue.oldest(this.batchSize);
    if (rows.length === 0) {
      this.queued = 0;
      return 0;
    }
    try {
      this.handle(rows);
    } catch (error) {
      if (isFull(error)) throw error;
      this.options.log(`processor: a batch failed (${String(error)}); retrying it row by row`);
      for (const row of rows) {
        try {
          this.handle([row]);
        } catch (alone) {
          if (isFull(alone)) throw alone;
          this.db.transaction(() => {
            this.queue.deadLetter(row, String(alone), new Date());
            this.queue.removeThrough(row.seq);
          })();
          this.options.log(`processor: event ${row.seq} dead-lettered: ${String(alone)}`);
        }
      }
    }
    this.queued = Math.max(0, this.queued - rows.length);
    return rows.length;
  }

  private schedule(delayMs: number): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.run();
    }, delayMs);
  }

  private run(): void {
    try {
      this.processOnce();
    } catch (error) {
      if (!isFull(error)) throw error;
      if (Date.now() - this.lastFullLog > 60_000) {
        this.lastFullLog = Date.now();
        this.options.log("processor: the database is full (disk or DATA_MAX_MB); waiting for room");
      }
      this.schedule(FULL_RETRY_MS);
      return;
    }
    // Appends committed meanwhile get their turn between batches.
    if (this.queued > 0) this.schedule(this.queued >= this.batchSize ? 0 : this.windowMs);
  }

  private handle(rows: QueuedRow[]): void {
    const now = this.now();
    const token = randomBytes(9).toString("base64url");
    const outcome = this.db.transaction(() => {
      const events: IntegrationEvent[] = [];
      for (const row of rows) {
        // Ingest validated and normalized it; one that cannot be read now is kept, not dropped
        // (and one that is not an event fails the batch, which is then retried row by row).
        try {
          events.push(JSON.parse(row.body) as IntegrationEvent);
        } catch (error) {
          this.queue.deadLetter(row, String(error), now);
        }
      }
      const outcome = processInTransaction(
        events,
        {
          ...this.store.inTransaction(token),
          publish: (notices) => this.outbox.publishNow(notices),
        },
        {
          classifier: this.options.classifier,
          now,
          token,
          mutes: this.options.mutes.activeAt(now),
        },
      );
      this.queue.removeThrough((rows.at(-1) as QueuedRow).seq);
      return outcome;
    })();
    this.stats.batches += 1;
    this.stats.events += outcome.counted;
    this.stats.duplicates += outcome.duplicates;
  }
}
