import type { Incident } from "./incident.ts";
import type { Notice, NoticeKind } from "./notice.ts";
import { heldUntil } from "./outage-hold.ts";
import type { ReconnectLinks } from "./reconnect-links.ts";
import { noticeLink } from "./reconnect-trail.ts";
import {
  dueAt,
  type IncidentRecord,
  type PendingNotice,
  type Silences,
  type Withheld,
} from "./record.ts";

/**
 * Which notice an incident owes, and when: decided into its outbox (`addNotice`), withheld while
 * a mute or a provider incident holds it (`announce`), released when nothing does any more, and
 * published as a `Notice` (`toNotice`).
 */

const epochCeil = (iso: string) => Math.ceil(Date.parse(iso) / 1000);

/**
 * Sends the notice a mute withheld once no mute holds the incident, or moves the time to look
 * again to the end of the mutes that still hold it. Undefined when nothing changes.
 */
export function releaseWithheld(
  current: IncidentRecord,
  now: Date,
  token: string,
  silences: Silences,
): IncidentRecord | undefined {
  const held = current.withheld;
  if (held === undefined) return undefined;
  const until = heldUntil(current, silences, now, held.kind);
  const record: IncidentRecord = { ...current };
  if (until !== undefined) {
    if (epochCeil(until) === held.until) return undefined;
    record.withheld = { kind: held.kind, until: epochCeil(until) };
  } else {
    record.withheld = undefined;
    if (held.kind === "firing" && current.status === "firing") {
      addNotice(record, "firing", now, token);
    } else if (held.kind === "resolved" && current.status === "resolved") {
      addNotice(record, "resolved", now, token, { resolution: current.resolution });
    }
  }
  record.due_at = dueAt(record, now);
  return record;
}

/** Decides a notice, or withholds it while a mute (or a provider incident) holds the incident. */
export function announce(
  record: IncidentRecord,
  kind: Withheld["kind"],
  now: Date,
  token: string,
  silences: Silences,
  extra: Pick<PendingNotice, "resolution"> = {},
): void {
  const until = heldUntil(record, silences, now, kind);
  if (until === undefined) addNotice(record, kind, now, token, extra);
  else record.withheld = { kind, until: epochCeil(until) };
}

/** The notice as published; `links`, when configured, adds its reconnect link. */
export function toNotice(
  record: IncidentRecord,
  pending: PendingNotice,
  links?: ReconnectLinks,
): Notice {
  const incident: Incident = {
    id: record.id,
    account: record.account,
    provider: record.provider,
    rule_id: record.rule_id,
    category: record.category,
    severity: record.severity,
    must_act: record.must_act,
    customer: record.customer,
    status: record.status,
    title: record.title,
    what_happened: record.what_happened,
    remediation: record.remediation,
    retryable: record.retryable,
    docs_url: record.docs_url,
    count: record.count,
    first_seen: record.first_seen,
    last_seen: record.last_seen,
    request_ids: record.request_ids,
    messages: record.messages,
    last_error: record.last_error,
    provider_messages: record.provider_messages ?? [],
    resolved_at: record.resolved_at,
    reconnect: record.reconnect,
    scope: record.scope,
    affected_accounts: record.affected_accounts,
    sample_accounts: record.sample_accounts,
  };
  return {
    id: pending.id,
    kind: pending.kind,
    incident,
    since_last_notice: pending.since_last_notice,
    resolution: pending.resolution,
    ...(pending.customer_told_by ? { customer_told_by: pending.customer_told_by } : {}),
    ...(pending.acknowledged_by === undefined ? {} : { acknowledged_by: pending.acknowledged_by }),
    created_at: pending.created_at,
    reconnect_url: noticeLink(record, pending, links),
    affected_before: pending.affected_before,
  };
}

/**
 * Tells whoever heard the incident fire that on-call has it: only when its firing notice went
 * out (not while a mute still withholds it). Reminders are not timed from it.
 */
export function announceAcknowledged(
  record: IncidentRecord,
  by: string,
  now: Date,
  token: string,
): void {
  if (record.status !== "firing" || record.notified_at === undefined) return;
  if (record.withheld?.kind === "firing") return;
  const { notified_at, notified_count } = record;
  addNotice(record, "acknowledged", now, token, { acknowledged_by: by });
  Object.assign(record, { notified_at, notified_count });
  record.due_at = dueAt(record, now);
}

export function addNotice(
  record: IncidentRecord,
  kind: NoticeKind,
  now: Date,
  token: string,
  extra: Pick<
    PendingNotice,
    "since_last_notice" | "resolution" | "acknowledged_by" | "affected_before"
  > = {},
): void {
  record.notice_seq += 1;
  record.outbox = [
    ...record.outbox,
    {
      id: `${record.id}.${record.generation}.${record.notice_seq}.${kind}`,
      kind,
      created_at: now.toISOString(),
      owner: token,
      ...extra,
    },
  ];
  record.notified_at = now.toISOString();
  record.notified_count = record.count;
  if (record.affected_accounts !== undefined) record.notified_affected = record.affected_accounts;
}
