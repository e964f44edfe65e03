import type { Incident } from "../incidents/incident.ts";
import type { Notice } from "../incidents/notice.ts";
import { oneLine } from "../outside-text.ts";
import { truncate } from "../text-format.ts";

/** What every rendering of a notice (Slack, email, console) says of its incident. */

/** How long the incident lasted: first event to resolution (or the notice, if not resolved). */
export function incidentDuration(notice: Notice): number {
  const end = Date.parse(notice.incident.resolved_at ?? notice.created_at);
  return end - Date.parse(notice.incident.first_seen);
}

export function accountLabel(incident: Incident): string {
  const name = oneLine(truncate(incident.account.name ?? "", 120));
  const id = oneLine(truncate(incident.account.id, 120));
  return name ? `${name} (${id})` : id;
}
