import type { SubscriptionFilter } from "./filter.ts";
import type { Subscription, SubscriptionKind } from "./subscription.ts";

/** Where Slack, webhook and email subscriptions live. */
export interface SubscriptionStore {
  /** Inserts a new subscription; throws if the id is taken. */
  create(subscription: Subscription): Promise<void>;
  get(id: string): Promise<Subscription | undefined>;
  /** Newest first; only those of `kind` when given. */
  list(kind?: SubscriptionKind): Promise<Subscription[]>;
  /** Replaces the filter, keeping everything else (the webhook secret too); undefined when gone. */
  updateFilter(id: string, filter: SubscriptionFilter): Promise<Subscription | undefined>;
  /** Removes it and returns what was removed; undefined when there was none. */
  remove(id: string): Promise<Subscription | undefined>;
  /** Marks it broken unless it already is (or is gone); true only for the call that marked it. */
  markBroken(id: string, reason: string, at: string): Promise<boolean>;
}
