import type { Notice } from "../incidents/notice.ts";
import type { Category } from "../quirks/rule.ts";
import {
  accountLabel,
  formatTime,
  humanDuration,
  incidentDuration,
  oneLine,
  providerName,
  truncate,
} from "./text.ts";

/**
 * Plain-text email for a notice. The customer version speaks to an HR admin and carries no
 * internal ids; the internal version carries everything an engineer needs.
 */

export type EmailAudience = "customer" | "internal";
export type Email = { subject: string; body: string };

/** SNS: under 100 characters. */
export const SUBJECT_MAX = 99;
const MESSAGE_MAX = 1_000;

// Keeps newlines and tabs, drops the other control characters.
const NOT_PLAIN_TEXT = /[^\P{Cc}\n\t]|[\u202a-\u202e\u2066-\u2069]/gu;

function plain(text: string): string {
  return text.replace(/\r\n?/g, "\n").replace(NOT_PLAIN_TEXT, "");
}

/** What the customer is told, per category, in words an HR admin understands. */
function customerHeadline(category: Category, provider: string): string {
  const connection = `Your ${provider} connection`;
  switch (category) {
    case "reauth_required":
      return `${connection} needs to be reconnected`;
    case "missing_permissions":
      return `${connection} is missing permissions`;
    case "account_disabled":
      return `${connection} has been disabled`;
    case "rate_limited":
      return `${connection} is being rate limited by ${provider}`;
    case "provider_unavailable":
      return `${connection} is affected: ${provider} is currently unavailable`;
    case "server_error":
      return `${connection} is affected: ${provider} is returning errors`;
    case "silent_data_issue":
      return `${connection} returned incomplete data`;
    case "expected_behaviour":
      return `${connection}: a note about how ${provider} works`;
    case "invalid_request":
    case "not_found":
    case "not_supported":
    case "unknown":
      return `${connection} has a problem`;
  }
}

function subject(text: string): string {
  return truncate(oneLine(text), SUBJECT_MAX);
}

function numbered(steps: string[]): string {
  return steps.map((step, i) => `${i + 1}. ${plain(step)}`).join("\n");
}

function renderCustomer(notice: Notice): Email {
  const incident = notice.incident;
  const provider = providerName(incident.provider);
  const headline = customerHeadline(incident.category, provider);
  const lines: string[] = ["Hello,", ""];
  let subjectText: string;

  if (notice.kind === "resolved") {
    subjectText = `Your ${provider} connection is working again`;
    lines.push(
      `Good news: the problem with your ${provider} connection has been resolved.`,
      `Problem: ${oneLine(incident.title)}`,
      notice.resolution === "quiet"
        ? "We have not seen it happen for a while, so we consider it resolved."
        : notice.resolution === "manual"
          ? "Our team has marked it as resolved."
          : "Your connection is working normally again.",
      "No action is needed.",
    );
  } else {
    subjectText = notice.kind === "reminder" ? `Reminder: ${headline}` : headline;
    lines.push(`${headline}.`);
    if (notice.kind === "reminder") lines.push("This problem is still happening.");
    lines.push("", "What happened", plain(incident.what_happened), "");
    lines.push("What to do", numbered(incident.remediation));
    if (incident.docs_url) lines.push("", `More information: ${oneLine(incident.docs_url)}`);
  }

  lines.push("");
  if (incident.account.name)
    lines.push(`Connection: ${truncate(oneLine(incident.account.name), 120)}`);
  lines.push(`System: ${provider}`);
  lines.push(`First noticed: ${formatTime(incident.first_seen)}`);
  lines.push(`Last seen: ${formatTime(incident.last_seen)}`);
  lines.push("", "You receive this email because alerts are turned on for this connection.");
  return { subject: subject(subjectText), body: lines.join("\n") };
}

function renderInternal(notice: Notice): Email {
  const incident = notice.incident;
  const label =
    notice.kind === "resolved"
      ? "resolved"
      : notice.kind === "reminder"
        ? "still firing"
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
    `Audience: ${incident.audience.join(", ")}`,
    `Incident: ${oneLine(incident.id)} (${incident.status})`,
    `Notice: ${oneLine(notice.id)} (${notice.kind})`,
    `Events: ${events}`,
    `First seen: ${formatTime(incident.first_seen)}`,
    `Last seen: ${formatTime(incident.last_seen)}`,
  ];
  if (notice.kind === "resolved") {
    lines.push(
      `Resolved: ${formatTime(incident.resolved_at ?? notice.created_at)} by ${notice.resolution ?? "unknown"}, after ${humanDuration(incidentDuration(notice))}`,
    );
  }
  lines.push("", "What happened", plain(incident.what_happened), "");
  lines.push("What to do", numbered(incident.remediation));
  if (incident.docs_url) lines.push("", `Docs: ${oneLine(incident.docs_url)}`);
  if (incident.messages.length > 0) {
    lines.push("", "Recent messages (newest last)");
    for (const message of incident.messages)
      lines.push(`- ${truncate(plain(message), MESSAGE_MAX)}`);
  }
  if (incident.request_ids.length > 0) {
    lines.push("", "Request ids (newest last)");
    for (const id of incident.request_ids) lines.push(`- ${oneLine(id)}`);
  }
  return { subject: subject(subjectText), body: lines.join("\n") };
}

export function renderEmail(notice: Notice, audience: EmailAudience): Email {
  return audience === "customer" ? renderCustomer(notice) : renderInternal(notice);
}

/**
 * The one email SNS sends every email subscriber of a notice, since one message cannot differ
 * per subscriber: customer wording whenever a customer may be among them.
 */
export function emailForSubscribers(notice: Notice): Email {
  return renderEmail(
    notice,
    notice.incident.audience.includes("customer") ? "customer" : "internal",
  );
}
