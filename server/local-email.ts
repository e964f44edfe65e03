import { SmtpEmailSender } from "../shared/adapters/smtp/smtp-sender.ts";
import { NO_BODY, type RouteSpec } from "../shared/api/route.ts";
import type { Clock } from "../shared/clock.ts";
import { authorize, type HttpRequest, type HttpResponse, json } from "../shared/http.ts";
import type { Subscriber } from "../shared/incidents/bus.ts";
import type { Notice } from "../shared/incidents/notice.ts";
import { redactReconnectLinks } from "../shared/incidents/reconnect-links.ts";
import type { Logger } from "../shared/log.ts";
import { count } from "../shared/metrics.ts";
import { emailsFor } from "../shared/notify/email.ts";
import { EmailNotifier } from "../shared/notify/email-notifier.ts";
import type { EmailSender } from "../shared/notify/email-sender.ts";
import {
  ConfirmedAtOnce,
  type EmailOutbox,
  type OutboxEmail,
} from "../shared/notify/email-subscriptions.ts";
import { matchesFilter } from "../shared/notify/filter.ts";
import type { SubscriptionStore } from "../shared/notify/subscription-store.ts";
import { stageSubscriber } from "./destinations.ts";

/**
 * Email on one machine. With SMTP_URL, each email is sent through that server (one message per
 * subscription, email-notifier.ts through the retry stage) and kept. Without it, the local stack's stand-in for SNS
 * email: each notice an email subscription would receive is printed and kept, with the very
 * subject and body SNS would send, to the subscriptions whose filter takes it (`matchesFilter`,
 * the domain's own rule, which the SNS filter policy encodes for AWS). Either
 * way subscriptions are confirmed at once, and what was sent or printed is kept (in memory here,
 * in the database with the SQLite engine) for `GET /outbox`.
 */

/** Email subscriptions and kept emails in memory: nobody has to click a confirmation link. */
export class MemoryEmailOutbox extends ConfirmedAtOnce implements EmailOutbox {
  /** Oldest first. */
  private readonly emails: OutboxEmail[] = [];
  constructor(private readonly max = 1_000) {
    super();
  }

  async add(email: OutboxEmail): Promise<void> {
    this.emails.push(email);
    if (this.emails.length > this.max) this.emails.shift();
  }
  async list(): Promise<OutboxEmail[]> {
    return [...this.emails].reverse();
  }
}

/** An email as the console shows it: a reconnect link is a credential, so it is left out. */
export function formatEmail(email: OutboxEmail): string {
  const body = redactReconnectLinks(email.body)
    .split("\n")
    .map((line) => `  │ ${line}`)
    .join("\n");
  return `📧 EMAIL to ${email.to} (${email.subscription_id})\n  Subject: ${email.subject}\n${body}`;
}

/**
 * The alerts-topic subscriber that plays SNS email delivery: the notice's email for each of its
 * audiences, to the subscriptions of that audience whose filter takes it; each email is kept
 * and printed.
 */
export function emailSubscriber(
  subscriptions: SubscriptionStore,
  outbox: EmailOutbox,
  log: Logger,
  clock: Clock,
): Subscriber {
  return {
    name: "email",
    async deliver(notice: Notice) {
      const emailSubscriptions = await subscriptions.list("email");
      for (const { audience, email } of emailsFor(notice)) {
        for (const subscription of emailSubscriptions) {
          const { filter } = subscription;
          // A subscription hears one audience's wording, of the notices its filter takes.
          if ((filter.audience ?? "internal") !== audience || !matchesFilter(filter, notice))
            continue;
          const sent: OutboxEmail = {
            to: subscription.target,
            subscription_id: subscription.id,
            notice_id: notice.id,
            subject: email.subject,
            body: email.body,
            sent_at: clock.now().toISOString(),
          };
          await outbox.add(sent);
          count("notices_sent", { kind: "email", outcome: "delivered" });
          log.info(formatEmail(sent));
        }
      }
    },
  };
}

/** Where email goes on one machine: an SMTP server, from EMAIL_FROM. */
export type LocalEmail = { sender: EmailSender; from: string };

/** The SMTP sender for SMTP_URL and EMAIL_FROM; undefined (print instead) without them. */
export function localEmail(
  settings: { smtpUrl: string; from: string } | undefined,
): LocalEmail | undefined {
  return settings && { sender: new SmtpEmailSender(settings.smtpUrl), from: settings.from };
}

/**
 * The alerts-topic subscriber that sends email through `email.sender`: each message sent is
 * kept in the outbox and named in one console line.
 */
export function sendingEmailSubscriber(
  subscriptions: SubscriptionStore,
  outbox: EmailOutbox,
  email: LocalEmail,
  log: Logger,
  clock: Clock,
): Subscriber {
  const via = email.sender.name;
  const notifier = new EmailNotifier({
    sender: email.sender,
    from: email.from,
    async sent(subscription, message, notice) {
      await outbox.add({
        to: message.to,
        subscription_id: subscription.id,
        notice_id: notice.id,
        subject: message.subject,
        body: message.text,
        sent_at: clock.now().toISOString(),
      });
      log.info(
        `📧 EMAIL sent to ${message.to} (${subscription.id}) through ${via}: ${message.subject}`,
      );
    },
  });
  return stageSubscriber("email", notifier, {
    subscriptions,
    log,
    clock,
  });
}

/** `GET /outbox`, admin-token protected like the rest of the API. */
/** The emails the local stack kept, newest first. */
export const OUTBOX_ROUTE: RouteSpec = {
  method: "GET",
  path: "/outbox",
  auth: "token",
  maxBodyBytes: NO_BODY,
};

export function outboxHandler(outbox: EmailOutbox, adminToken: string | undefined) {
  return async (request: HttpRequest): Promise<HttpResponse> =>
    authorize(request, adminToken) ?? json(200, { emails: await outbox.list() });
}
