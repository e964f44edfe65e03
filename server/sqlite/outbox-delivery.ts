import type { OutboxRow, SqliteAlertOutbox } from "../../shared/adapters/sqlite/alert-outbox.ts";
import type { Subscriber } from "../../shared/incidents/bus.ts";
import type { Notice } from "../../shared/incidents/notice.ts";
import type { Logger } from "../../shared/log.ts";
import { RecentDeliveries } from "../../shared/notify/retry-stage.ts";
import { backoff, GiveUp } from "../../shared/retry.ts";

/**
 * How long the outbox keeps trying a subscriber that could not run at all (its store did not
 * answer): about 5 minutes. Destinations are not retried here: a subscriber is the retry stage
 * (notify/retry-stage.ts), and what it could not deliver (`DeliveryFailed`, a `GiveUp`) is
 * dead-lettered at once, so the attempts never multiply.
 */
export const OUTBOX_RETRY = { attempts: 25, baseMs: 1_000, maxMs: 15_000 };

export type OutboxDeliveryOptions = {
  retry?: typeof OUTBOX_RETRY;
  /** Deliveries in flight at once, per subscriber (a slow Slack never holds up the console). */
  concurrency?: number;
  log: Logger;
};

/**
 * Delivers the outbox: each due row to its subscriber, then deletes the row. A failure waits
 * (`backoff`) and tries again; after the last try the row is dead-lettered with one console
 * line. A crash before the delete repeats a delivery; within one run a (notice, subscriber) is
 * delivered once.
 */
export class OutboxDelivery {
  private readonly byName: Map<string, Subscriber>;
  private readonly inFlight = new Set<string>();
  private readonly busyFor = new Map<string, number>();
  private readonly done = new RecentDeliveries(50_000);
  private readonly retry: typeof OUTBOX_RETRY;
  private readonly concurrency: number;
  private readonly log: Logger;
  private timer: NodeJS.Timeout | undefined;
  private scheduled = false;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly outbox: SqliteAlertOutbox,
    subscribers: Subscriber[],
    options: OutboxDeliveryOptions,
  ) {
    this.byName = new Map(subscribers.map((s) => [s.name, s]));
    this.retry = options.retry ?? OUTBOX_RETRY;
    this.log = options.log.child({ scope: "outbox" });
    this.concurrency = options.concurrency ?? 16;
  }

  /** Looks for due rows soon. */
  wake(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  /** In flight now. */
  busy(): number {
    return this.inFlight.size;
  }

  /** Nothing in flight and nothing due now (rows waiting for a retry later do not count). */
  idle(): boolean {
    return this.inFlight.size === 0 && this.outbox.due(Date.now(), 1).length === 0;
  }

  /** Stops starting deliveries; resolves when those in flight have finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.inFlight.size === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.stopped) return;
    const now = Date.now();
    for (const name of this.byName.keys()) {
      const busy = this.busyFor.get(name) ?? 0;
      if (busy >= this.concurrency) continue;
      let started = busy;
      for (const row of this.outbox.due(now, this.concurrency + busy, name)) {
        if (started >= this.concurrency) break;
        const key = `${row.notice_id}\n${row.subscriber}`;
        if (this.inFlight.has(key)) continue;
        started += 1;
        this.start(key, row);
      }
    }
    // The next retry; at most a second away, so rows published elsewhere are not missed.
    const next = this.outbox.nextDueAt();
    if (next !== undefined)
      this.timer = setTimeout(() => this.pump(), Math.min(1_000, Math.max(10, next - now)));
  }

  private start(key: string, row: OutboxRow): void {
    this.inFlight.add(key);
    this.busyFor.set(row.subscriber, (this.busyFor.get(row.subscriber) ?? 0) + 1);
    void this.deliver(row).finally(() => {
      this.inFlight.delete(key);
      this.busyFor.set(row.subscriber, (this.busyFor.get(row.subscriber) ?? 1) - 1);
      if (this.inFlight.size === 0) for (const wake of this.idleWaiters.splice(0)) wake();
      this.wake();
    });
  }

  private async deliver(row: OutboxRow): Promise<void> {
    const subscriber = this.byName.get(row.subscriber);
    try {
      if (!this.done.has(row.notice_id, row.subscriber)) {
        if (!subscriber) throw new Error(`no subscriber named ${row.subscriber}`);
        await subscriber.deliver(JSON.parse(row.notice) as Notice);
        this.done.add(row.notice_id, row.subscriber);
      }
    } catch (error) {
      this.failed(
        row,
        error instanceof Error ? error.message : String(error),
        error instanceof GiveUp,
      );
      return;
    }
    try {
      this.outbox.delivered(row);
    } catch (error) {
      // Delivered, but the row stays: a later run may repeat it; this one will not.
      this.log.error(`could not record delivery of ${row.notice_id}: ${error}`);
    }
  }

  private failed(row: OutboxRow, reason: string, final: boolean): void {
    const attempts = row.attempts + 1;
    try {
      if (final || attempts >= this.retry.attempts) {
        this.outbox.deadLetter(row, reason, new Date());
        this.log.error(
          final
            ? `gave up delivering ${row.notice_id} to ${row.subscriber}: ${reason}`
            : `gave up delivering ${row.notice_id} to ${row.subscriber} after ${attempts} attempts: ${reason}`,
        );
      } else {
        const wait = backoff(attempts, this.retry.baseMs, this.retry.maxMs);
        this.outbox.retryAt(row, Date.now() + wait, reason);
      }
    } catch (error) {
      this.log.error(`could not record a failed delivery of ${row.notice_id}: ${error}`);
    }
  }
}
