import type { Notice } from "../incidents/notice.ts";
import { matchesFilter } from "./filter.ts";
import type { Subscription, SubscriptionKind } from "./subscription.ts";

/**
 * A notifier sends a notice to one destination of its kind (Slack, customer webhook, PagerDuty,
 * email), once, and says how it went. It never retries, never sleeps and never switches a
 * destination off: that is the retry stage's (retry-stage.ts), the same for every kind and on
 * both engines.
 */

/** What one attempt came to. */
export type Outcome =
  | { status: "delivered" }
  /** Not now; worth another attempt, after `retryAfterMs` when the destination said so. */
  | { status: "retry"; reason: string; retryAfterMs?: number }
  /** The destination will never take a notice (Slack 404, webhook 410, PagerDuty 400). */
  | { status: "gone"; reason: string }
  /** This notice cannot go there, now or later, yet the destination is fine (a refused address). */
  | { status: "refused"; reason: string };

export type Destination = {
  /** The subscription's id; `default` for the default Slack channel. */
  id: string;
  /** Absent for the default Slack channel, which no API call made and none can switch off. */
  subscription?: Subscription;
  /** What a log line may say of where it went, beside the id (the logger redacts it again). */
  where: Record<string, unknown>;
};

export interface Notifier<D extends Destination = Destination> {
  readonly kind: SubscriptionKind;
  /** How long one attempt may take: the stage starts none it cannot wait for. */
  readonly attemptMs: number;
  /** The destinations of `notice` among the working subscriptions of this kind. */
  destinations(notice: Notice, subscriptions: Subscription[]): D[];
  /** Once per notice and destination, before the first attempt: `skip` settles it unsent. */
  admit?(notice: Notice, destination: D): Promise<"send" | "skip">;
  /** One attempt. Throws only for a fault of ours, never for what the destination does. */
  send(notice: Notice, destination: D): Promise<Outcome>;
  /** Told once delivered (the single node keeps the emails it sent). */
  delivered?(notice: Notice, destination: D): Promise<void>;
  /** Told once a subscription has been switched off, by the call that switched it. */
  switchedOff?(subscription: Subscription, reason: string): Promise<void>;
}

/** The subscriptions whose filter takes `notice`, as destinations, each saying `where` it goes. */
export function matchingDestinations(
  notice: Notice,
  subscriptions: Subscription[],
  where: (subscription: Subscription) => Record<string, unknown>,
): Destination[] {
  return subscriptions
    .filter((subscription) => matchesFilter(subscription.filter, notice))
    .map((subscription) => ({ id: subscription.id, subscription, where: where(subscription) }));
}
