import type { Notice } from "../incidents/notice.ts";
import { renderEmail } from "./email.ts";
import { addressOf } from "./email-address.ts";
import type { OutgoingEmail } from "./email-sender.ts";
import type { Subscription } from "./subscription.ts";

/**
 * One notice as the email one subscription gets: the wording of its audience (email.ts), as
 * plain text and the same text as HTML (with the reconnect link as a button); a Message-ID derived from the notice and the
 * subscription, so a retried delivery is recognisable as the same message; and a
 * List-Unsubscribe that reaches whoever reads the sender's mailbox.
 */

/** Only what a Message-ID's left part may hold (RFC 5322 dot-atom text), the rest as `-`. */
const atom = (text: string) => text.replace(/[^A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]/g, "-");

export function messageIdFor(notice: Notice, subscription: Subscription, from: string): string {
  const domain = addressOf(from).split("@").pop() || "quirkwatch.invalid";
  return `<${atom(notice.id)}.${atom(subscription.id)}@${atom(domain)}>`;
}

export function emailFor(notice: Notice, subscription: Subscription, from: string): OutgoingEmail {
  const audience = subscription.filter.audience ?? "internal";
  const { subject, body, html } = renderEmail(notice, audience);
  const unsubscribe = `mailto:${addressOf(from)}?subject=${encodeURIComponent(`unsubscribe ${subscription.id}`)}`;
  return {
    from,
    to: subscription.target,
    subject,
    text: body,
    html,
    messageId: messageIdFor(notice, subscription, from),
    headers: { "List-Unsubscribe": `<${unsubscribe}>`, "X-Quirkwatch-Notice": atom(notice.id) },
  };
}
