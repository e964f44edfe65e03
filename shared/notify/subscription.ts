import type { SubscriptionFilter } from "./filter.ts";

/**
 * A destination an admin added through the API. Slack, webhook and PagerDuty ones are delivered
 * by the notifier Lambdas, which read them from the table; email ones are SNS email subscriptions on
 * the alerts topic, stored too so the API can list and remove them.
 */

export const SUBSCRIPTION_KINDS = ["slack", "email", "webhook", "pagerduty"] as const;
export type SubscriptionKind = (typeof SUBSCRIPTION_KINDS)[number];

export type Subscription = {
  /** `sub_...` */
  id: string;
  kind: SubscriptionKind;
  /**
   * Slack incoming-webhook URL, webhook URL, email address or PagerDuty routing key. URLs and
   * routing keys are secrets: never logged.
   */
  target: string;
  filter: SubscriptionFilter;
  created_at: string;
  /** Webhook only: the `whsec_` signing secret, shown to the admin once. */
  secret?: string;
  /** Email only: the SNS subscription (or `pending confirmation`). */
  sns_subscription_arn?: string;
  /** Set once when the destination answered that it is gone; nothing more is sent to it. */
  broken_reason?: string;
  broken_at?: string;
};

/** Where a subscription stands, as the API reports it. */
export type SubscriptionStatus =
  /** Slack and webhook: delivered to. */
  | "active"
  /** Slack and webhook: the destination said it is gone (`broken_reason`). */
  | "broken"
  /** Email: SNS sent a confirmation link; nothing is delivered until it is clicked. */
  | "pending_confirmation"
  | "confirmed"
  /** Email: SNS no longer has it (the recipient unsubscribed, or the link expired after 3 days). */
  | "unsubscribed"
  /** Email: SNS could not be asked just now. */
  | "unknown";
