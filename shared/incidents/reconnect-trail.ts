import type { ReconnectTrail, Resolution } from "./incident.ts";
import type { Notice } from "./notice.ts";
import { offersReconnect, type ReconnectLinks } from "./reconnect-links.ts";
import type { IncidentRecord, PendingNotice } from "./record.ts";

/** A notice's reconnect link: firing and reminder notices of an incident a reconnect fixes. */
export function noticeLink(
  record: IncidentRecord,
  pending: PendingNotice,
  links: ReconnectLinks | undefined,
): string | undefined {
  if (links === undefined || pending.kind === "resolved" || !offersReconnect(record)) {
    return undefined;
  }
  return links.url(record, pending.created_at);
}

/** Notes when a link first went out, from the notices just published for this record. */
export function withLinkSent(record: IncidentRecord, published: Notice[]): IncidentRecord {
  if (record.reconnect?.sent_at !== undefined) return record;
  const sent = published
    .filter((n) => n.incident.id === record.id && n.reconnect_url !== undefined)
    .map((n) => n.created_at)
    .sort()[0];
  return sent === undefined
    ? record
    : { ...record, reconnect: { ...record.reconnect, sent_at: sent } };
}

/** A recovery after a session Quirkwatch made is a reconnect through the link. */
export function reconnectedThroughLink(
  current: IncidentRecord,
  resolution: Resolution,
  now: Date,
): ReconnectTrail | undefined {
  const trail = current.reconnect;
  if (resolution !== "recovery" || trail?.session_id === undefined) return trail;
  return { ...trail, reconnected_at: now.toISOString() };
}
