import type { Notice } from "../shared/incidents/notice.ts";
import { oneLine } from "../shared/outside-text.ts";

const RESOLVED_BY = {
  recovery: "a recovery event",
  quiet: "quiet",
  manual: "hand",
  account_deleted: "the account's deletion",
} as const;

const MARK = {
  firing: "🔴 FIRING",
  reminder: "🟠 STILL FIRING",
  resolved: "✅ RESOLVED",
  acknowledged: "👀 ACKNOWLEDGED",
} as const;

/**
 * A notice as a few readable lines for the local stack's console. Every field is one line of
 * inert text (`oneLine`): a name or a message cannot move the cursor or forge a line.
 */
export function formatNotice(notice: Notice): string {
  const i = notice.incident;
  const account = oneLine(i.account.name ? `${i.account.name} (${i.account.id})` : i.account.id);
  const lines = [
    `${MARK[notice.kind]}  ${oneLine(i.title)}`,
    `  account ${account} · ${oneLine(i.provider)} · ${i.category} · ${i.severity} · rule ${oneLine(i.rule_id)}`,
    `  ${i.count} event(s), first ${oneLine(i.first_seen)}, last ${oneLine(i.last_seen)}`,
  ];
  if (notice.kind === "reminder")
    lines.push(`  ${notice.since_last_notice ?? 0} more since the last notice`);
  if (notice.kind === "resolved") {
    const through = i.reconnect?.reconnected_at ? ", reconnected through the link" : "";
    lines.push(`  resolved by ${RESOLVED_BY[notice.resolution ?? "quiet"]}${through}`);
    return lines.join("\n");
  }
  if (notice.kind === "acknowledged") {
    lines.push(`  acknowledged by ${notice.acknowledged_by ?? "admin"}`);
    return lines.join("\n");
  }
  const last = i.last_error;
  if (last) {
    const request = [last.status && `HTTP ${last.status}`, last.method, last.path, last.request_id]
      .filter(Boolean)
      .join(" ");
    if (request) lines.push(`  last: ${oneLine(request)}`);
    if (last.message) lines.push(`  StackOne said: ${oneLine(last.message)}`);
    if (last.provider_message)
      lines.push(`  ${oneLine(i.provider)} said: ${oneLine(last.provider_message)}`);
  }
  for (const [n, step] of i.remediation.entries()) lines.push(`  ${n + 1}. ${oneLine(step)}`);
  // The link is a credential: it goes out in the alerts, never to the console.
  if (notice.reconnect_url) lines.push("  reconnect link: in the alerts (not printed here)");
  return lines.join("\n");
}
