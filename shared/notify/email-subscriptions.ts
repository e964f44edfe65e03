import { randomUUID } from "node:crypto";
import type { SubscriptionFilter } from "./filter.ts";
import type { Subscription } from "./subscription.ts";

/** What SNS says of an email subscription. */
export type EmailConfirmation = "pending_confirmation" | "confirmed" | "unsubscribed";

/**
 * Email subscriptions: SNS subscriptions on the alerts topic when deployed without SES; otherwise
 * (SES, SMTP, or the local outbox) kept only in the store and sent by Quirkwatch itself.
 */
export interface EmailSubscriptions {
  /** Subscribes `email` to the notices `filter` takes; returns the subscription ARN. */
  subscribe(email: string, filter: SubscriptionFilter): Promise<string>;
  confirmation(arn: string): Promise<EmailConfirmation>;
  /** Replaces the subscription's filter; EmailSubscriptionRejected if SNS refuses. */
  setFilter(arn: string, filter: SubscriptionFilter): Promise<void>;
  /** Removes a confirmed subscription; one SNS no longer has is fine. */
  unsubscribe(arn: string): Promise<void>;
}

/** SNS refused the subscription because of what it was given (a bad address, a clash). */
export class EmailSubscriptionRejected extends Error {
  override name = "EmailSubscriptionRejected";
}

/** An email as SNS would send it, kept instead of sent where there is no SNS (one machine). */
export type OutboxEmail = {
  to: string;
  subscription_id: string;
  notice_id: string;
  subject: string;
  body: string;
  sent_at: string;
};

/** Where the local stack keeps the emails it would have sent (`GET /outbox`). */
export interface EmailOutbox {
  add(email: OutboxEmail): Promise<void>;
  /** Newest first. */
  list(): Promise<OutboxEmail[]>;
}

/** Marks a subscription Quirkwatch sends itself, in place of an SNS subscription ARN. */
const OWN_ARN_PREFIX = "arn:quirkwatch:";

/** Whether SNS delivers this email subscription (it was made while email went through SNS). */
export function deliveredBySns(subscription: Subscription): boolean {
  const arn = subscription.sns_subscription_arn;
  return arn !== undefined && !arn.startsWith(OWN_ARN_PREFIX);
}

/**
 * Email subscriptions Quirkwatch sends itself (SES, SMTP, or the local outbox): confirmed at
 * once, no link to click. `earlier`: the SNS subscriptions made before SES was set up, which
 * SNS still delivers; they are asked about and removed there.
 */
export class ConfirmedAtOnce implements EmailSubscriptions {
  constructor(private readonly earlier?: EmailSubscriptions) {}

  async subscribe(): Promise<string> {
    return `${OWN_ARN_PREFIX}email:${randomUUID()}`;
  }
  async confirmation(arn: string): Promise<EmailConfirmation> {
    return this.earlier && !arn.startsWith(OWN_ARN_PREFIX)
      ? this.earlier.confirmation(arn)
      : "confirmed";
  }
  /** Ours read each subscription's filter from the store: nothing else to change. */
  async setFilter(arn: string, filter: SubscriptionFilter): Promise<void> {
    if (this.earlier && !arn.startsWith(OWN_ARN_PREFIX)) await this.earlier.setFilter(arn, filter);
  }
  async unsubscribe(arn: string): Promise<void> {
    if (this.earlier && !arn.startsWith(OWN_ARN_PREFIX)) await this.earlier.unsubscribe(arn);
  }
}
