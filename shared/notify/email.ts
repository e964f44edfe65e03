import type { Incident, Notice } from "../incidents/notice.ts";
import type { Category } from "../quirks/rule.ts";

/**
 * Plain-text email for a notice. The customer version speaks to an HR admin and carries no
 * internal ids; the internal version carries everything an engineer needs.
 */

export type EmailAudience = "customer" | "internal";
export type Email = { subject: string; body: string };

/** SNS: under 100 characters. */
export const SUBJECT_MAX = 99;
const MESSAGE_MAX = 1_000;

/**
 * Cuts `text` to at most `max` UTF-16 code units, ending with "…" when cut. Iterates by code
 * point so a surrogate pair (emoji, astral characters) is never split.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max < 1) return "";
  let out = "";
  for (const char of text) {
    if (out.length + char.length > max - 1) break;
    out += char;
  }
  return `${out}…`;
}

// Control characters, line/paragraph separators and bidi overrides: none belongs in one line.
const NOT_ONE_LINE = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]+/gu;
// Keeps newlines and tabs, drops the other control characters.
const NOT_PLAIN_TEXT = /[^\P{Cc}\n\t]|[\u202a-\u202e\u2066-\u2069]/gu;

/** One line: control characters become spaces, runs of whitespace one space. */
export function oneLine(text: string): string {
  return text.replace(NOT_ONE_LINE, " ").replace(/\s+/g, " ").trim();
}

function plain(text: string): string {
  return text.replace(/\r\n?/g, "\n").replace(NOT_PLAIN_TEXT, "");
}

/** e.g. `45 s`, `12 min`, `2 h 5 min`, `3 d 4 h`. */
export function humanDuration(ms: number): string {
  const seconds = Number.isFinite(ms) && ms > 0 ? Math.round(ms / 1000) : 0;
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}

/** How long the incident lasted: first event to resolution (or the notice, if not resolved). */
export function incidentDuration(notice: Notice): number {
  const end = Date.parse(notice.incident.resolved_at ?? notice.created_at);
  return end - Date.parse(notice.incident.first_seen);
}

/** `2024-05-01 12:00 UTC`, or the input as one line when it is not a date. */
export function formatTime(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return truncate(oneLine(iso), 64);
  return `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** `hibob` -> `Hibob`: how an HR admin names the system. */
export function providerName(provider: string): string {
  const name = truncate(oneLine(provider), 60);
  return name.charAt(0).toUpperCase() + name.slice(1);
}

export function accountLabel(incident: Incident): string {
  const name = oneLine(truncate(incident.account.name ?? "", 120));
  const id = oneLine(truncate(incident.account.id, 120));
  return name ? `${name} (${id})` : id;
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
