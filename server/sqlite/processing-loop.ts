import { randomBytes } from "node:crypto";
import type { SqliteAlertOutbox } from "../../shared/adapters/sqlite/alert-outbox.ts";
import { type Db, isFull } from "../../shared/adapters/sqlite/database.ts";
import type { SqliteIncidentStore } from "../../shared/adapters/sqlite/incident-store.ts";
import type { SqliteMuteStore } from "../../shared/adapters/sqlite/mute-store.ts";
import type {
  QueuedRow,
  SqliteQueueConsumer,
} from "../../shared/adapters/sqlite/queue-consumer.ts";
import type { Flush } from "../../shared/adapters/sqlite/wal-sync.ts";
import type { Classifier } from "../../shared/classify/classifier.ts";
import { epochOf } from "../../shared/clock.ts";
import type { IntegrationEvent } from "../../shared/events/event.ts";
import {
  processInTransaction,
  sweepInTransaction,
} from "../../shared/incidents/process-in-transaction.ts";
import type { ReconnectLinks } from "../../shared/incidents/reconnect-links.ts";
import { SWEEP_PAGE, type SweepResult } from "../../shared/incidents/sweep.ts";
import type { Logger } from "../../shared/log.ts";

export type BatchProcessorOptions = {
  classifier: Classifier;
  /** Mutes by matcher hold back notices; read once per batch, in its transaction. */
  mutes: SqliteMuteStore;
  /** Adds the reconnect link to the notices that offer one, when configured. */
  links?: ReconnectLinks;
  now?: () => Date;
  log: Logger;
  /** Most queued rows in one transaction. */
  batchSize?: number;
  /** How long a partial batch waits for more rows, so incident writes coalesce. */
  windowMs?: number;
};

export type ProcessorStats = { batches: number; events: number; duplicates: number };

/** What the processor works on: `openSqliteStores`'s parts. */
export type ProcessorParts = {
  db: Db;
  consumer: SqliteQueueConsumer;
  incidents: SqliteIncidentStore;
  outbox: SqliteAlertOutbox;
  /** quirkwatch.db's WAL: queue.db forgets rows only once their batch is on disk. */
  wal: Flush;
};

/** How long to wait before trying again when the disk (or the size cap) is full. */
const FULL_RETRY_MS = 1_000;

/**
 * The processor of the single-node engine: takes the oldest unprocessed rows of queue.db and
 * handles them in one transaction of quirkwatch.db (`processInTransaction`), which also moves the
 * processed mark past them. A batch that fails is retried row by row, and a row that fails alone
 * is dead-lettered: one bad event never blocks the rest.
 */
export class SqliteBatchProcessor {
  readonly stats: ProcessorStats = { batches: 0, events: 0, duplicates: 0 };
  /** Told once a batch's commit is on disk, with the last seq it processed. */
  onProcessed: (through: number) => void = () => {};
  /** The last seq processed (committed). */
  private mark: number;
  /** The highest seq the queue has said it appended. */
  private appendedThrough = 0;
  private reported: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private readonly batchSize: number;
  private readonly windowMs: number;
  private readonly now: () => Date;
  private lastFullLog = 0;

  private readonly db: Db;
  private readonly consumer: SqliteQueueConsumer;
  private readonly store: SqliteIncidentStore;
  private readonly outbox: SqliteAlertOutbox;
  private readonly disk: Flush;
  private readonly log: Logger;

  constructor(
    parts: ProcessorParts,
    private readonly options: BatchProcessorOptions,
  ) {
    this.db = parts.db;
    this.consumer = parts.consumer;
    this.store = parts.incidents;
    this.outbox = parts.outbox;
    this.disk = parts.wal;
    this.batchSize = options.batchSize ?? 2_000;
    this.windowMs = options.windowMs ?? 50;
    this.now = options.now ?? (() => new Date());
    this.log = options.log.child({ scope: "processor" });
    this.mark = this.consumer.processedThrough();
  }

  /** The last seq processed: every row up to it is counted. */
  processedThrough(): number {
    return this.mark;
  }

  /** Rows were appended up to `seq`: process them once a batch is full or the window has passed. */
  appended(seq: number): void {
    this.appendedThrough = Math.max(this.appendedThrough, seq);
    this.scheduleBacklog();
  }

  /** Starts on what an earlier run left queued. */
  start(): void {
    this.schedule(0);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Processes everything queued now (on shutdown); with no room left, leaves it queued. */
  drain(): void {
    try {
      while (this.processOnce() > 0);
    } catch (error) {
      if (!isFull(error)) throw error;
      this.log.warn("the database is full; the queued events wait for the next start");
    }
  }

  /** Resolves once every batch processed so far is on disk and reported (`onProcessed`). */
  synced(): Promise<void> {
    return this.reported;
  }

  /** One batch of at most `batchSize` of the oldest rows; returns how many rows it handled. */
  processOnce(): number {
    const rows = this.consumer.after(this.mark, this.batchSize);
    if (rows.length === 0) {
      // Nothing after the mark, whatever was announced: nothing to wake up for.
      this.appendedThrough = this.mark;
      return 0;
    }
    try {
      this.handle(rows);
    } catch (error) {
      if (isFull(error)) throw error;
      this.log.warn(`a batch failed (${String(error)}); retrying it row by row`);
      for (const row of rows) {
        try {
          this.handle([row]);
        } catch (alone) {
          if (isFull(alone)) throw alone;
          this.db.transaction(() => {
            this.consumer.deadLetter(row, String(alone), new Date());
            this.consumer.markProcessed(row.seq);
          })();
          this.committed(row.seq);
          this.log.error(`event ${row.seq} dead-lettered: ${String(alone)}`);
        }
      }
    }
    return rows.length;
  }

  /**
   * One run of the sweeper in one transaction, between batches: what it releases or resolves
   * goes to the outbox with the write that decides it, as a batch's notices do.
   */
  async sweep(): Promise<SweepResult> {
    const now = this.now();
    const due = await this.store.dueIncidents(epochOf(now), SWEEP_PAGE);
    const token = randomBytes(9).toString("base64url");
    return this.db.transaction(() =>
      sweepInTransaction(
        due,
        {
          ...this.store.inTransaction(token),
          publish: (notices) => this.outbox.publishNow(notices),
        },
        { now, token, mutes: this.options.mutes.activeAt(now), links: this.options.links },
      ),
    )();
  }

  private scheduleBacklog(): void {
    const backlog = this.appendedThrough - this.mark;
    if (backlog > 0) this.schedule(backlog >= this.batchSize ? 0 : this.windowMs);
  }

  private schedule(delayMs: number): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.run();
    }, delayMs);
  }

  private run(): void {
    let handled: number;
    try {
      handled = this.processOnce();
    } catch (error) {
      if (!isFull(error)) throw error;
      if (Date.now() - this.lastFullLog > 60_000) {
        this.lastFullLog = Date.now();
        this.log.warn("the database is full (disk or DATA_MAX_MB); waiting for room");
      }
      this.schedule(FULL_RETRY_MS);
      return;
    }
    // A full batch may have more behind it (at start nothing was announced); appends committed
    // meanwhile get their turn between batches.
    if (handled === this.batchSize) this.schedule(0);
    else this.scheduleBacklog();
  }

  /** A commit moved the mark: once it is on disk, queue.db may delete those rows. */
  private committed(seq: number): void {
    this.mark = seq;
    this.reported = this.disk.flush().then(
      () => this.onProcessed(seq),
      (error: Error) =>
        this.log.error(`quirkwatch.db was not synced (${error.message}); queue.db keeps the rows`),
    );
  }

  private handle(rows: QueuedRow[]): void {
    const now = this.now();
    const token = randomBytes(9).toString("base64url");
    const last = (rows.at(-1) as QueuedRow).seq;
    const outcome = this.db.transaction(() => {
      const events: IntegrationEvent[] = [];
      for (const row of rows) {
        // Ingest validated and normalized it; one that cannot be read now is kept, not dropped
        // (and one that is not an event fails the batch, which is then retried row by row).
        try {
          events.push(JSON.parse(row.body) as IntegrationEvent);
        } catch (error) {
          this.consumer.deadLetter(row, String(error), now);
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
          links: this.options.links,
          now,
          token,
          mutes: this.options.mutes.activeAt(now),
        },
      );
      this.consumer.markProcessed(last);
      return outcome;
    })();
    this.committed(last);
    this.stats.batches += 1;
    this.stats.events += outcome.counted;
    this.stats.duplicates += outcome.duplicates;
  }
}
