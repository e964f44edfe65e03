import type { Notice } from "../incidents/notice.ts";
import type { Severity } from "../quirks/rule.ts";
import { humanDuration, truncate } from "../text-format.ts";
import { BUDGET, escapeMrkdwn, inline, SLACK_LIMITS, slackDate } from "./slack-blocks.ts";
import { accountLabel, incidentDuration } from "./text.ts";

/** The lines of an internal Slack message that say where the incident stands, and its preview text. */

export function resolvedBy(notice: Notice): string {
  if (notice.resolution === "recovery") {
    return notice.incident.reconnect?.reconnected_at
      ? "the account recovered: reconnected through the link"
      : "the account recovered";
  }
  if (notice.resolution === "quiet") return "no new errors for a while (quiet)";
  if (notice.resolution === "manual") return "resolved by hand from Quirkwatch";
  if (notice.resolution === "account_deleted") return "the account was deleted";
  return "an unknown cause";
}

export function eventCount(count: number): string {
  return count === 1 ? "1 event" : `${count} events`;
}

/** A provider incident's notices say how many accounts it hit, and how that number moved. */
export function outageLine(notice: Notice): string | undefined {
  const { affected_accounts: n = 0, scope } = notice.incident;
  if (scope !== "provider") return undefined;
  const accounts = n === 1 ? "1 account" : `${n} accounts`;
  if (notice.kind === "reminder") {
    const before = notice.affected_before;
    const moved = before === undefined || before === n ? "unchanged" : `was ${before}`;
    return `*Still failing* for ${accounts} (${moved})`;
  }
  if (notice.kind === "resolved") {
    const why = notice.resolution === "recovery" ? "most accounts recovered" : resolvedBy(notice);
    return `*Resolved* after ${humanDuration(incidentDuration(notice))}: ${accounts} were hit; ${why}.`;
  }
  return undefined;
}

export function statusLine(notice: Notice): string | undefined {
  const outage = outageLine(notice);
  if (outage) return outage;
  const { count } = notice.incident;
  if (notice.kind === "reminder") {
    return notice.since_last_notice === undefined
      ? `*Still firing:* ${eventCount(count)} so far`
      : `*Still firing:* ${notice.since_last_notice} more since the last notice (${eventCount(count)} in all)`;
  }
  if (notice.kind === "acknowledged") {
    return `*Acknowledged* by ${inline(notice.acknowledged_by ?? "admin", 100)}: no reminders until it resolves.`;
  }
  if (notice.kind === "resolved") {
    return `*Resolved* after ${humanDuration(incidentDuration(notice))} and ${eventCount(count)}: ${resolvedBy(notice)}.`;
  }
  return undefined;
}

export function plainText(notice: Notice): string {
  const incident = notice.incident;
  const who = `${escapeMrkdwn(accountLabel(incident), BUDGET.account)} on ${inline(incident.provider, BUDGET.provider)}`;
  const title = inline(incident.title, 300);
  const firstStep = incident.remediation[0];
  const next = firstStep ? ` Next step: ${inline(firstStep, 1_000)}` : "";
  const since =
    notice.kind === "reminder" && notice.since_last_notice !== undefined
      ? ` ${notice.since_last_notice} more since the last notice.`
      : "";
  const outage = notice.kind === "acknowledged" ? undefined : outageLine(notice);
  const text =
    notice.kind === "acknowledged"
      ? `👀 Acknowledged by ${inline(notice.acknowledged_by ?? "admin", 100)}: ${title} for ${who}.`
      : outage
        ? `${notice.kind === "firing" ? SEVERITY_EMOJI[incident.severity] : ""} ${title}. ${outage.replaceAll("*", "")}`.trim()
        : notice.kind === "resolved"
          ? `✅ Resolved: ${title} for ${who}, after ${humanDuration(incidentDuration(notice))} and ${eventCount(incident.count)} (${resolvedBy(notice)}).`
          : `${notice.kind === "reminder" ? "🔁 Still firing" : SEVERITY_EMOJI[incident.severity]} ${title}: ${who}.${since}${next}`;
  return truncate(text, SLACK_LIMITS.text);
}

/** `*Last error* HTTP 403 · GET /path · request `req_1`` and what StackOne said. */
export function lastErrorSection(incident: Notice["incident"]): string | undefined {
  const last = incident.last_error;
  if (last === undefined) return undefined;
  // Each part is escaped once, on its own: the date is a Slack token that must stay raw.
  const request = [last.method, last.path].filter(Boolean).join(" ");
  const parts = [
    last.status === undefined ? undefined : `HTTP ${last.status}`,
    request && inline(request, 400),
    last.request_id && `request \`${inline(last.request_id.replaceAll("`", "'"), 120)}\``,
    slackDate(last.at),
  ].filter((p): p is string => typeof p === "string" && p !== "");
  const lines = [`*Last error* · ${parts.join(" · ")}`];
  if (last.message) lines.push(`> StackOne: ${inline(last.message, 500)}`);
  return truncate(lines.join("\n"), BUDGET.lastError);
}

export const SEVERITY_EMOJI: Record<Severity, string> = {
  critical: "🔴",
  error: "🔴",
  warning: "🟠",
  info: "🔵",
};
