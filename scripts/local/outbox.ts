import { randomUUID } from "node:crypto";
import type { MessageAttributeValue } from "@aws-sdk/client-sns";
import { snsEntries } from "../../shared/adapters/aws/sns-bus.ts";
import { type ApiRequest, type ApiResponse, authorize, json } from "../../shared/api/http.ts";
import type { Notice } from "../../shared/incidents/notice.ts";
import { renderEmail } from "../../shared/notify/email.ts";
import type {
  EmailConfirmation,
  EmailSubscriptions,
} from "../../shared/notify/email-subscriptions.ts";
import { snsFilterPolicy } from "../../shared/notify/filter.ts";
import type { SubscriptionStore } from "../../shared/notify/subscription-store.ts";
import type { Subscriber } from "./memory-bus.ts";

/**
 * The local stack's stand-in for SNS email: email subscriptions are confirmed at once, and each
 * notice an email subscription would receive is printed and kept, with the very subject and body
 * SNS would send, selected by the same filter policy SNS would apply.
 */

export type OutboxEmail = {
  to: string;
  subscription_id: string;
  notice_id: string;
  subject: string;
  body: string;
  sent_at: string;
};

/** Email subscriptions with no SNS: nobody has to click a confirmation link locally. */
export class LocalEmailSubscriptions implements EmailSubscriptions {
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

/**
 * SNS filter-policy matching for the policies `snsFilterPolicy` makes (exact string values):
 * every key must match; a `String.Array` attribute matches when any of its values does.
 */
export function matchesFilterPolicy(
  policy: Record<string, unknown>,
  attributes: Record<string, MessageAttributeValue>,
): boolean {
  return Object.entries(policy).every(([name, allowed]) => {
    const attribute = attributes[name];
    if (!attribute?.StringValue || !Array.isArray(allowed)) return false;
    const values: unknown[] =
      attribute.DataType === "String.Array"
        ? JSON.parse(attribute.StringValue)
        : [attribute.StringValue];
    return values.some((value) => allowed.includes(value));
  });
}

export function formatEmail(email: OutboxEmail): string {
  const body = email.body
    .split("\n")
    .map((line) => `  │ ${line}`)
    .join("\n");
  return `📧 EMAIL to ${email.to} (${email.subscription_id})\n  Subject: ${email.subject}\n${body}`;
}

export class Outbox {
  /** Oldest first; the API shows them newest first. */
  private readonly emails: OutboxEmail[] = [];

  constructor(
    private readonly subscriptions: SubscriptionStore,
    private readonly log: (line: string) => void,
    private readonly now: () => Date = () => new Date(),
    private readonly max = 1_000,
  ) {}

  /** Newest first. */
  list(): OutboxEmail[] {
    return [...this.emails].reverse();
  }

  /** The alerts-topic subscriber that plays SNS email delivery. */
  subscriber(): Subscriber {
    return { name: "email outbox", deliver: (notice) => this.deliver(notice) };
  }

  /** `GET /outbox`, admin-token protected like the rest of the API. */
  handler(adminToken: string | undefined) {
    return async (request: ApiRequest): Promise<ApiResponse> =>
      authorize(request, adminToken) ?? json(200, { emails: this.list() });
  }

  /** Every message SNS would publish for the notice (one per audience), to the subscriptions whose policy takes it. */
  private async deliver(notice: Notice): Promise<void> {
    const subscriptions = await this.subscriptions.list("email");
    for (const entry of snsEntries(notice, 0, renderEmail)) {
      const email: string = JSON.parse(entry.Message ?? "{}").email;
      const attributes = entry.MessageAttributes ?? {};
      for (const subscription of subscriptions) {
        if (!matchesFilterPolicy(snsFilterPolicy(subscription.filter), attributes)) continue;
        const sent: OutboxEmail = {
          to: subscription.target,
          subscription_id: subscription.id,
          notice_id: notice.id,
          subject: entry.Subject ?? "",
          body: email,
          sent_at: this.now().toISOString(),
        };
        this.emails.push(sent);
        if (this.emails.length > this.max) this.emails.shift();
        this.log(formatEmail(sent));
      }
    }
  }
}
