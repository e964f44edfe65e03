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
