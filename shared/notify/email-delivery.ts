import { forEachLimit } from "../concurrency.ts";
import type { Notice } from "../incidents/notice.ts";
import { count } from "../metrics.ts";
import { DeliveryFailed, type Log, type RecentDeliveries } from "./deliver.ts";
import { emailFor } from "./email-message.ts";
import type { EmailSender, OutgoingEmail } from "./email-sender.ts";
import { deliveredBySns } from "./email-subscriptions.ts";
import { matchesFilter } from "./filter.ts";
import type { Subscription } from "./subscription.ts";
import type { SubscriptionStore } from "./subscription-store.ts";

/**
 * Email sent by Quirkwatch itself (SMTP on one machine, SES when deployed): each notice, one
 * message per matching email subscription, in the wording of its audience. Subscriptions made
 * while email went through SNS are still delivered by SNS and skipped here. Anything that may
 * work later makes the call throw, so the notice is retried; a message refused for good is
 * logged and not retried.
 */

export type EmailNotifierDeps = {
  subscriptions: SubscriptionStore;
  sender: EmailSender;
  /** EMAIL_FROM. */
  from: string;
  recent: RecentDeliveries;
  log: Log;
  /** Told of each message sent (the local stack keeps them for `GET /outbox`). */
  sent?: (subscription: Subscription, email: OutgoingEmail) => Promise<void>;
};

/** SES's default sending rate is 14 a second: a few at a time. */
const CONCURRENCY = 4;

export async function notifyEmail(notices: Notice[], deps: EmailNotifierDeps): Promise<void> {
  const subscriptions = (await deps.subscriptions.list("email")).filter(
    (s) => !deliveredBySns(s) && s.broken_reason === undefined,
  );
  const failures: string[] = [];
  for (const notice of notices) {
    const destinations = subscriptions.filter(
      (s) => matchesFilter(s.filter, notice) && !deps.recent.has(notice.id, s.id),
    );
    await forEachLimit(destinations, CONCURRENCY, async (subscription) => {
      const email = emailFor(notice, subscription, deps.from);
      const result = await deps.sender.send(email);
      count("notices_sent", {
        kind: "email",
        outcome: result.status === "sent" ? "delivered" : result.status,
      });
      if (result.status === "sent") {
        deps.recent.add(notice.id, subscription.id);
        await deps.sent?.(subscription, email);
        return;
      }
      // The address is the subscriber's: never logged, the subscription id names it.
      const where = { notice: notice.id, subscription: subscription.id, via: deps.sender.name };
      if (result.status === "rejected") {
        deps.log("email refused; not retried", { ...where, reason: result.reason });
        deps.recent.add(notice.id, subscription.id);
        return;
      }
      deps.log("email delivery failed", { ...where, reason: result.reason });
      failures.push(`${subscription.id}: ${result.reason}`);
    });
  }
  if (failures.length > 0) {
    throw new DeliveryFailed(
      `email delivery failed for ${failures.length}: ${failures.join("; ")}`,
    );
  }
}
