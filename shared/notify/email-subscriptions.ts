import { randomUUID } from "node:crypto";

/** What SNS says of an email subscription. */
export type EmailConfirmation = "pending_confirmation" | "confirmed" | "unsubscribed";

/** Email subscriptions on the alerts topic: SNS when deployed, the local email outbox on one machine. */
export interface EmailSubscriptions {
  /** Subscribes `email` with a filter policy; returns the subscription ARN. */
  subscribe(email: string, filterPolicy: Record<string, unknown>): Promise<string>;
  confirmation(arn: string): Promise<EmailConfirmation>;
  /** Replaces the subscription's filter policy; EmailSubscriptionRejected if SNS refuses. */
  setFilterPolicy(arn: string, filterPolicy: Record<string, unknown>): Promise<void>;
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

/** Email subscriptions where there is no SNS (one machine): confirmed at once, no link to click. */
export class ConfirmedAtOnce implements EmailSubscriptions {
  async subscribe(): Promise<string> {
    return `arn:quirkwatch:local:email:${randomUUID()}`;
  }
  async confirmation(): Promise<EmailConfirmation> {
    return "confirmed";
  }
  /** The outbox reads each subscription's filter from the store: nothing else to change. */
  async setFilterPolicy(): Promise<void> {}
  async unsubscribe(): Promise<void> {}
}
