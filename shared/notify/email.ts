import type { LastError } from "../incidents/incident.ts";
import type { Notice } from "../incidents/notice.ts";
import { defangUrls, oneLine, plainText } from "../outside-text.ts";
import {
  formatTime,
  humanDuration,
  providerName,
  truncate,
  truncateWords,
} from "../text-format.ts";
import { audiencesOf, customerWording } from "./audience.ts";
import { emailHtml } from "./email-html.ts";
import { accountLabel, incidentDuration } from "./text.ts";

/**
 * Plain-text email for a notice. The customer version speaks to an HR admin and carries no
 * internal ids; the internal version carries everything an engineer needs.
 */

export type EmailAudience = "customer" | "internal";
/**
 * `body` is the plain text every channel can send (SNS email sends only it); `html`, for a
 * sender that can send both (SMTP, SES), is the same text, with the reconnect link as a button.
 */
export type Email = { subject: string; body: string; html: string };

/** SNS: under 100 characters. */
export const SUBJECT_MAX = 99;
const MESSAGE_MAX = 1_000;

/** Our own wording (rules) keeps its lines; words from outside are one line each (`oneLine`). */
const plain = plainText;

function subject(text: string): string {
  return truncate(oneLine(text), SUBJECT_MAX);
}

function numbered(steps: string[]): string {
  return steps.map((step, i) => `${i + 1}. ${plain(step)}`).join("\n");
}

/**
 * `Hibob · Acme GmbH: Your Hibob connection is missing permissions`: the provider and the
 * customer's account first, both whole; the headline cut at a word when the whole does not fit.
 */
function customerSubject(notice: Notice, headline: string): string {
  const incident = notice.incident;
  const provider = truncateWords(providerName(incident.provider), 40);
  const account = truncateWords(oneLine(incident.account.name ?? ""), 50);
  const prefix = [notice.kind === "reminder" ? "Reminder" : "", provider, account]
    .filter((part) => part !== "")
    .join(" · ");
  const rest = truncateWords(oneLine(headline), SUBJECT_MAX - prefix.length - 2);
  const subject = prefix === "" ? rest : rest === "" ? prefix : `${prefix}: ${rest}`;
  return subject === "" ? "Your connection needs attention" : subject;
}

function renderCustomer(notice: Notice): Email {
  const incident = notice.incident;
  const provider = providerName(incident.provider);
  const wording = customerWording(incident);
  const lines: string[] = ["Hello,", ""];
  let headline: string;

  if (notice.kind === "resolved") {
    headline = "your connection is working again";
    // One reconnect fixed several problems: this email speaks for all of them.
    const forAll = notice.customer_told_by === incident.id;
    lines.push(
      ...(forAll
        ? [`Good news: every problem with your ${provider} connection has been resolved.`]
        : [
            `Good news: the problem with your ${provider} connection has been resolved.`,
            `Problem: ${oneLine(wording.title)}`,
          ]),
      notice.resolution === "quiet"
        ? "We have not seen it happen for a while, so we consider it resolved."
        : notice.resolution === "manual"
          ? "Our team has marked it as resolved."
          : incident.reconnect?.reconnected_at
            ? "You reconnected it through the link we sent: it is working normally again. Thank you."
            : "Your connection is working normally again.",
      "No action is needed.",
    );
  } else {
    headline = wording.title;
    lines.push(`${plain(wording.title)}.`);
    if (notice.kind === "reminder") lines.push("This problem is still happening.");
    const words = incident.last_error?.provider_message;
    // The provider's words, one line, its links made plain text: not ours to vouch for.
    if (words)
      lines.push("", `${provider} said: "${truncate(defangUrls(oneLine(words)), MESSAGE_MAX)}"`);
    lines.push("", "What happened", plain(wording.what_happened), "");
    lines.push("What to do", numbered(wording.remediation));
    if (notice.reconnect_url) {
      lines.push(
        "",
        `${reconnectLabel(provider)}: ${notice.reconnect_url}`,
        `The link opens a secure page where you sign in to ${provider} again. It works for a few days and only for this connection; if it no longer works, ask us for a new one.`,
      );
    }
  }

  lines.push("");
  if (incident.account.name)
    lines.push(`Connection: ${truncate(oneLine(incident.account.name), 120)}`);
  lines.push(`System: ${provider}`);
  lines.push(`First noticed: ${formatTime(incident.first_seen)}`);
  lines.push(`Last seen: ${formatTime(incident.last_seen)}`);
  lines.push("", "You receive this email because alerts are turned on for this connection.");
  const body = lines.join("\n");
  const button = notice.reconnect_url && {
    label: reconnectLabel(provider),
    url: notice.reconnect_url,
  };
  const subject = customerSubject(notice, headline);
  return { subject, body, html: emailHtml(subject, body, button || undefined) };
}

/** The reconnect button's words: `Reconnect Hibob`. */
const reconnectLabel = (provider: string) => `Reconnect ${provider}`;

function renderInternal(notice: Notice): Email {
  const incident = notice.incident;
  const label =
    notice.kind === "resolved"
      ? "resolved"
      : notice.kind === "reminder"
        ? "still firing"
        : notice.kind === "acknowledged"
          ? `acknowledged by ${oneLine(truncate(notice.acknowledged_by ?? "admin", 100))}`
          : incident.severity;
  const subjectText = `[${label}] ${incident.category}: ${oneLine(incident.title)} · ${accountLabel(incident)} · ${oneLine(incident.provider)}`;

  const owner = incident.account;
  const ownerLine = [
    owner.owner_name,
    owner.owner_email && `<${owner.owner_email}>`,
    owner.owner_id && `(${owner.owner_id})`,
  ]
    .filter(Boolean)
    .join(" ");
  const events =
    notice.since_last_notice === undefined
      ? String(incident.count)
      : `${incident.count} (${notice.since_last_notice} since the last notice)`;

  const lines = [
    `[${label}] ${incident.category}: ${oneLine(incident.title)}`,
    "",
    `Account: ${accountLabel(incident)}`,
    ...(ownerLine ? [`Owner: ${oneLine(ownerLine)}`] : []),
    `Provider: ${oneLine(incident.provider)}`,
    `Rule: ${oneLine(incident.rule_id)}`,
    `Category: ${incident.category}`,
    `Severity: ${incident.severity}`,
    `Must act: ${incident.must_act === "customer" ? "the customer" : "us"}`,
    `Incident: ${oneLine(incident.id)} (${incident.status})`,
    `Notice: ${oneLine(notice.id)} (${notice.kind})`,
    `Events: ${events}`,
    `First seen: ${formatTime(incident.first_seen)}`,
    `Last seen: ${formatTime(incident.last_seen)}`,
  ];
  if (notice.kind === "resolved") {
    const through = incident.reconnect?.reconnected_at
      ? `, reconnected through the link (StackOne connect session ${oneLine(incident.reconnect.session_id ?? "")})`
      : "";
    lines.push(
      `Resolved: ${formatTime(incident.resolved_at ?? notice.created_at)} by ${notice.resolution ?? "unknown"}${through}, after ${humanDuration(incidentDuration(notice))}`,
    );
  }
  lines.push("", "What happened", plain(incident.what_happened), "");
  lines.push("What to do", numbered(incident.remediation));
  if (notice.reconnect_url) {
    lines.push("", `Reconnect link for the customer (forward it): ${notice.reconnect_url}`);
  }
  if (incident.docs_url) lines.push("", `Docs: ${oneLine(incident.docs_url)}`);
  const last = incident.last_error;
  if (last) lines.push("", "Last error", ...lastErrorLines(incident.provider, last));
  if (incident.provider_messages.length > 0) {
    lines.push("", `What ${oneLine(incident.provider)} said (newest last)`);
    for (const message of incident.provider_messages)
      lines.push(`- ${truncate(oneLine(message), MESSAGE_MAX)}`);
  }
  if (incident.messages.length > 0) {
    lines.push("", "Recent messages (newest last)");
    for (const message of incident.messages)
      lines.push(`- ${truncate(oneLine(message), MESSAGE_MAX)}`);
  }
  if (incident.request_ids.length > 0) {
    lines.push("", "Request ids (newest last)");
    for (const id of incident.request_ids) lines.push(`- ${oneLine(id)}`);
  }
  const body = lines.join("\n");
  const line = subject(subjectText);
  return { subject: line, body, html: emailHtml(line, body) };
}

export function renderEmail(notice: Notice, audience: EmailAudience): Email {
  return audience === "customer" ? renderCustomer(notice) : renderInternal(notice);
}

/** Every audience a notice is published for, with the email its email subscribers get. */
export function emailsFor(notice: Notice): { audience: EmailAudience; email: Email }[] {
  return audiencesOf(notice).map((audience) => ({
    audience,
    email: renderEmail(notice, audience),
  }));
}

/** The last error as lines: what was asked, what StackOne said, what the provider said. */
function lastErrorLines(provider: string, last: LastError): string[] {
  const request = [
    last.status === undefined ? undefined : `HTTP ${last.status}`,
    last.method && oneLine(last.method),
    last.path && oneLine(truncate(last.path, 300)),
  ].filter(Boolean);
  const lines = [`${request.join(" ") || "No HTTP request"} at ${formatTime(last.at)}`];
  if (last.request_id) lines.push(`Request id: ${oneLine(truncate(last.request_id, 256))}`);
  if (last.message) lines.push(`StackOne: ${truncate(oneLine(last.message), MESSAGE_MAX)}`);
  if (last.provider_message) {
    const status = last.provider_status === undefined ? "" : ` (${last.provider_status})`;
    lines.push(
      `${oneLine(provider)}${status}: ${truncate(oneLine(last.provider_message), MESSAGE_MAX)}`,
    );
  }
  return lines;
}
