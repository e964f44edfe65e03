import type { Notice } from "../incidents/notice.ts";
import { emailFor } from "./email-message.ts";
import type { EmailSender, OutgoingEmail } from "./email-sender.ts";
import { deliveredBySns } from "./email-subscriptions.ts";
import { type Destination, matchingDestinations, type Notifier, type Outcome } from "./notifier.ts";
import type { Subscription } from "./subscription.ts";

/**
 * Email sent by Quirkwatch itself (SMTP on one machine, SES when deployed): one message per
 * matching email subscription, in the wording of its audience. Subscriptions made while email
 * went through SNS are still delivered by SNS and left out here. The address is the
 * subscriber's: logs name the subscription id, never the address.
 */

export type EmailNotifierOptions = {
  sender: EmailSender;
  /** EMAIL_FROM. */
  from: string;
  /** Told of each message sent (the single node keeps them for `GET /outbox`). */
  sent?: (subscription: Subscription, email: OutgoingEmail, notice: Notice) => Promise<void>;
};

export class EmailNotifier implements Notifier {
  readonly kind = "email";
  /** SMTP and SES answer within this. */
  readonly attemptMs = 10_000;

  constructor(private readonly options: EmailNotifierOptions) {}

  destinations(notice: Notice, subscriptions: Subscription[]): Destination[] {
    const via = this.options.sender.name;
    const own = subscriptions.filter((s) => !deliveredBySns(s));
    return matchingDestinations(notice, own, () => ({ via }));
  }

  async send(notice: Notice, destination: Destination): Promise<Outcome> {
    const email = this.email(notice, destination);
    const result = await this.options.sender.send(email);
    if (result.status === "sent") return { status: "delivered" };
    if (result.status === "rejected") return { status: "refused", reason: result.reason };
    return { status: "retry", reason: result.reason };
  }

  async delivered(notice: Notice, destination: Destination): Promise<void> {
    const subscription = destination.subscription as Subscription;
    await this.options.sent?.(subscription, this.email(notice, destination), notice);
  }

  private email(notice: Notice, destination: Destination): OutgoingEmail {
    return emailFor(notice, destination.subscription as Subscription, this.options.from);
  }
}
