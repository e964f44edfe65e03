import type { Resolution } from "../incidents/incident.ts";
import type { Notice } from "../incidents/notice.ts";
import type { IncidentRecord, PendingNotice } from "../incidents/record.ts";
import { offersReconnect, type ReconnectLinks } from "./links.ts";

/**
 * What became of an occurrence's reconnect link, for on-call: when it was first sent, first
 * opened, which connect session Quirkwatch made last, and whether the account came back after
 * it. Part of the incident (notices and the API show it); never a link or a token.
 */
export type ReconnectTrail = {
  sent_at?: string;
  opened_at?: string;
  /** StackOne's id of the last connect session a click made. */
  session_id?: string;
  session_at?: string;
  /** The account came back active after a session Quirkwatch made: reconnected through the link. */
  reconnected_at?: string;
};

/**
 * The last connect session, kept on the record only (never in a notice or view): its hosted page
 * is reused by clicks within a minute. Without `url`, a click began making one at `at`.
 */
export type ReconnectSession = { at: string; id?: string; url?: string };

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
