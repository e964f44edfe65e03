import type { AlertBus, Subscriber } from "../../shared/incidents/bus.ts";
import type { Notice } from "../../shared/incidents/notice.ts";
import {
  RetriesExhausted,
  type RetryPolicy,
  type RetrySettings,
  retry,
} from "../../shared/retry.ts";

/** Runs of a subscriber that could not run, as SNS retries a function: 3 in all. */
const SUBSCRIBER_RETRY: RetryPolicy = { attempts: 3, baseMs: 200 };

/**
 * The in-process alerts topic of the local stack and tests. Like SNS, `publish` resolves once
 * the topic has the notices; each subscriber gets them asynchronously, with retries, and what
 * still fails is kept as a dead letter rather than dropped.
 */
export class MemoryBus implements AlertBus {
  /** The most recent notices published (at most 1,000, so a long-running stack stays small). */
  readonly published: Notice[] = [];
  publishedCount = 0;
  readonly deadLetters: { subscriber: string; notice: Notice; error: string }[] = [];
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly subscribers: Subscriber[] = [],
    private readonly retrying: RetrySettings = {},
  ) {}

  subscribe(subscriber: Subscriber): void {
    this.subscribers.push(subscriber);
  }

  async publish(notices: Notice[]): Promise<void> {
    this.published.push(...notices);
    this.publishedCount += notices.length;
    if (this.published.length > 1000) this.published.splice(0, this.published.length - 1000);
    for (const notice of notices) {
      for (const subscriber of this.subscribers) {
        const delivery = this.deliver(subscriber, notice).finally(() =>
          this.inFlight.delete(delivery),
        );
        this.inFlight.add(delivery);
      }
    }
  }

  /** Deliveries not yet finished or dead-lettered. */
  inFlightCount(): number {
    return this.inFlight.size;
  }

  /** Resolves when every delivery has finished or been dead-lettered. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /**
   * A subscriber that could not run is tried again, like SNS retrying a function; one that
   * gave up (the retry stage's DeliveryFailed) is dead-lettered at once.
   */
  private async deliver(subscriber: Subscriber, notice: Notice): Promise<void> {
    try {
      await retry(
        () => subscriber.deliver(notice),
        { ...SUBSCRIBER_RETRY, ...this.retrying.policy },
        { sleep: this.retrying.sleep },
      );
    } catch (error) {
      const last = error instanceof RetriesExhausted ? error.cause : error;
      this.deadLetters.push({ subscriber: subscriber.name, notice, error: String(last) });
    }
  }
}
