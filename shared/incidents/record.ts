import type { Classification } from "../classify/classifier.ts";
import type { IntegrationEvent } from "../events/event.ts";
import { pastRetention } from "../events/event-time.ts";
import { providerMessage, providerStatus } from "../events/provider-message.ts";
import { wordingFor } from "../notify/audience.ts";
import type { AlertPolicy } from "../quirks/rule.ts";
import type { ReconnectLinks } from "../reconnect/links.ts";
import { noticeLink, type ReconnectSession, reconnectedThroughLink } from "../reconnect/trail.ts";
import type { Account, Incident, LastError, Resolution } from "./incident.ts";
import type { IncidentMute, Mute } from "./mute.ts";
import type { Notice, NoticeKind } from "./notice.ts";
import { heldUntil, markOutage } from "./outage-hold.ts";

/** How many recent request ids and messages an incident keeps. */
const RECENT = 5;
const HOUR_BUCKETS = 48;
/** Stored messages are cut shorter than events keep them: the item is rewritten every batch. */
const MESSAGE_CHARS = 300;
/** Applied batch tokens are kept this long, longer than SQS redelivers one message (5 receives
 * of a 6-minute visibility timeout), and at most this many, to keep the item small. */
const APPLIED_RETENTION_SECONDS = 3600;
const APPLIED_MAX = 200;
export const RESOLVED_RETENTION_SECONDS = 30 * 24 * 3600;

/** A notice decided by a write and not yet published. `owner` is the batch token that made it. */
export type PendingNotice = {
  id: string;
  kind: NoticeKind;
  created_at: string;
  owner: string;
  since_last_notice?: number;
  resolution?: Resolution;
  affected_before?: number;
  customer_told_by?: string;
  acknowledged_by?: string;
};

/** Who acknowledged an incident, and when. */
export type Acknowledgement = { by: string; at: string; note?: string };

/** A notice a mute kept back and still owes; looked at again at `until` (epoch seconds). */
export type Withheld = { kind: "firing" | "resolved"; until: number };

/**
 * What decisions about notices need besides the record: the matcher mutes active now, and the
 * provider incidents (by id) of the account incidents being decided, which may hold them back.
 */
export type Silences = {
  mutes: readonly Mute[];
  outages?: ReadonlyMap<string, IncidentRecord | undefined>;
};

/** The incident as stored: what users see, plus the state that drives notices. */
export type IncidentRecord = Incident & {
  generation: number;
  version: number;
  policy: AlertPolicy;
  /** Occurrences per UTC hour (`2026112417`), last 48 hours. */
  hours: Record<string, number>;
  /** Occurrences per epoch minute, within the threshold window. */
  minutes: Record<string, number>;
  notice_seq: number;
  notified_at?: string;
  /** `count` when the last notice was decided; reminders say how many came since. */
  notified_count: number;
  resolution?: Resolution;
  /** Who resolved it by hand (`POST /incidents/{id}/resolve`). */
  resolved_by?: string;
  /** This generation was acknowledged: it sends no reminders. A reopening clears it. */
  acknowledged?: Acknowledgement;
  /** A mute on this incident, whatever its generation, until it ends. */
  mute?: IncidentMute;
  withheld?: Withheld;
  outbox: PendingNotice[];
  /** Batch tokens whose events are counted here, with when: [token, epoch seconds]. */
  applied: [string, number][];
  /** The newest time of a token dropped from `applied`: older claims can no longer be told apart. */
  applied_floor: number;
  /** When we last received an event of it (epoch seconds). Quiet is measured from `last_seen`,
   * the events' own time: ingest accepts only times within the dedup retention. */
  received_at: number;
  /**
   * Epoch seconds when the sweeper should look at this incident again. Set exactly while the
   * incident is open (unresolved, or a notice waits to be published); absent once it is closed.
   */
  due_at?: number;
  expires_at?: number;
  /** The last connect session a reconnect link made (shared/reconnect/click.ts). */
  reconnect_session?: ReconnectSession;
  /** Account incidents: the provider incident generation it counts toward (`id#generation`). */
  outage?: string;
  /** A provider-side firing notice waits until then (epoch seconds) for a provider incident. */
  group_until?: number;
  /** Provider incidents: accounts joining per epoch minute, within the window. */
  joins?: Record<string, number>;
  /** Provider incidents: `affected_accounts` when the last notice was decided. */
  notified_affected?: number;
  /** Provider incidents: affected accounts whose own incident has resolved since. */
  recovered?: number;
};

export type EventGroup = {
  incidentId: string;
  classification: Classification;
  events: IntegrationEvent[];
};

const epoch = (d: Date) => Math.floor(d.getTime() / 1000);
const epochCeil = (iso: string) => Math.ceil(Date.parse(iso) / 1000);

/**
 * Adds a batch's events to an incident; decides the firing or reminder notice if one is due. A
 * notice a mute withheld is released first if no mute holds it any more: the event shows the
 * problem goes on. `recordApplied: false` leaves the batch token out of `applied`, for an engine
 * whose claims and incident writes commit together (SQLite) and so never asks `wasApplied`.
 */
export function applyEvents(
  stored: IncidentRecord | undefined,
  group: EventGroup,
  now: Date,
  token: string,
  silences: Silences & { recordApplied?: boolean },
): IncidentRecord {
  const current = stored && (releaseWithheld(stored, now, token, silences) ?? stored);
  const c = group.classification;
  const first = group.events[0];
  if (first === undefined) throw new Error("applyEvents needs at least one event");
  const nowIso = now.toISOString();
  const times = group.events.map((e) => clampToNow(e.occurred_at, nowIso));
  const earliest = times.reduce(earlier);
  const latest = times.reduce(later);
  const reopened = current === undefined || current.status === "resolved";
  const base: IncidentRecord = reopened
    ? {
        id: group.incidentId,
        account: first.account,
        provider: first.provider,
        rule_id: c.rule_id,
        category: c.category,
        severity: c.severity,
        must_act: c.must_act,
        status: "pending",
        title: c.title,
        what_happened: c.what_happened,
        remediation: c.remediation,
        retryable: c.retry.retryable,
        count: 0,
        first_seen: earliest,
        last_seen: latest,
        request_ids: [],
        messages: [],
        provider_messages: [],
        generation: (current?.generation ?? 0) + 1,
        version: current?.version ?? 0,
        policy: c.alert,
        hours: {},
        minutes: {},
        notice_seq: current?.notice_seq ?? 0,
        notified_count: 0,
        outbox: current?.outbox ?? [],
        // A mute is on the problem, not one occurrence; an acknowledgement is not.
        mute: current?.mute,
        applied: current?.applied ?? [],
        applied_floor: current?.applied_floor ?? 0,
        received_at: 0,
        due_at: 0,
      }
    : current;

  const record: IncidentRecord = {
    ...base,
    // The rule may have changed since the incident opened (custom rules): show the current one.
    account: mergeAccount(base.account, group.events),
    category: c.category,
    severity: c.severity,
    must_act: c.must_act,
    // Filled in for this provider, so every receiver of a notice reads the same words.
    customer: c.customer && wordingFor(c.customer, base.provider),
    title: c.title,
    what_happened: c.what_happened,
    remediation: c.remediation,
    retryable: c.retry.retryable,
    docs_url: c.docs_url,
    policy: c.alert,
    count: base.count + group.events.length,
    received_at: epoch(now),
    first_seen: earlier(earliest, base.first_seen),
    last_seen: later(latest, base.last_seen),
    request_ids: recent(
      base.request_ids,
      group.events.map((e) => e.request_id),
    ),
    messages: recent(
      base.messages,
      group.events.map((e) => e.error?.message?.slice(0, MESSAGE_CHARS)),
    ),
    provider_messages: recent(base.provider_messages ?? [], group.events.map(providerMessage)),
    last_error: lastError(base.last_error, group.events, now),
    hours: addBuckets(
      base.hours,
      times,
      hourKey,
      hourKey(new Date(now.getTime() - HOUR_BUCKETS * 3600e3).toISOString()),
    ),
    // Thresholds count events as they arrive, so a log read a minute late still counts; an
    // event whose quiet period has passed is history and does not help fire.
    minutes: addBuckets(
      base.minutes,
      group.events.filter((e) => !pastQuiet(e, c.alert, now)).map(() => nowIso),
      minuteKey,
      minuteKey(new Date(now.getTime() - c.alert.threshold.window_seconds * 1000).toISOString()),
    ),
    ...(silences.recordApplied === false ? {} : appliedWith(base, token, epoch(now))),
    expires_at: undefined,
    resolved_at: undefined,
    resolution: undefined,
    resolved_by: undefined,
    // A withheld resolved notice of the previous generation is moot: it fires again.
    withheld: reopened ? undefined : base.withheld,
  };

  const inWindow = Object.values(record.minutes).reduce((a, b) => a + b, 0);
  markOutage(record, silences, now);
  if (record.status === "pending" && inWindow >= c.alert.threshold.count) {
    record.status = "firing";
    markOutage(record, silences, now);
    announce(record, "firing", now, token, silences);
  } else if (
    record.status === "firing" &&
    record.notified_at !== undefined &&
    record.acknowledged === undefined &&
    heldUntil(record, silences, now, "reminder") === undefined &&
    epoch(now) - epoch(new Date(record.notified_at)) >= c.alert.repeat_seconds
  ) {
    addNotice(record, "reminder", now, token, {
      since_last_notice: record.count - record.notified_count,
    });
  }
  // A firing notice held back for a provider incident goes once its hold is over.
  if (record.withheld?.kind === "firing" && record.status === "firing" && !reopened) {
    Object.assign(record, releaseWithheld(record, now, token, silences) ?? {});
  }
  record.due_at = dueAt(record, now);
  return record;
}

function appliedWith(base: IncidentRecord, token: string, at: number) {
  const all: [string, number][] = [...base.applied, [token, at]];
  const kept = all.filter(([, t]) => t > at - APPLIED_RETENTION_SECONDS).slice(-APPLIED_MAX);
  const dropped = all.filter((entry) => !kept.includes(entry)).map(([, t]) => t);
  return { applied: kept, applied_floor: Math.max(base.applied_floor ?? 0, ...dropped) };
}

/**
 * Whether the events a batch claimed with `token` at `claimedAt` are counted in this incident.
 * A claim older than the tokens it still remembers is taken as counted: never counted twice.
 */
export function wasApplied(record: IncidentRecord | undefined, token: string, claimedAt: number) {
  if (!record) return false;
  return record.applied.some(([t]) => t === token) || claimedAt <= (record.applied_floor ?? 0);
}

/**
 * Resolves an open incident. A firing one gets a resolved notice (withheld while muted); a
 * pending one, or a firing one whose firing notice a mute withheld, goes quietly: nobody was
 * told it fired. `at` is when the problem ended: a resolving event's own time, else now.
 */
export function resolveIncident(
  current: IncidentRecord,
  resolution: Resolution,
  now: Date,
  token: string,
  silences: Silences,
  by?: string,
  at: string = now.toISOString(),
): IncidentRecord | undefined {
  if (current.status === "resolved") return undefined;
  const record: IncidentRecord = {
    ...current,
    status: "resolved",
    resolved_at: clampToNow(at, now.toISOString()),
    resolution,
    resolved_by: by,
    expires_at: epoch(now) + RESOLVED_RETENTION_SECONDS,
    reconnect: reconnectedThroughLink(current, resolution, now),
  };
  if (current.status === "firing") {
    if (current.withheld?.kind === "firing") record.withheld = undefined;
    else announce(record, "resolved", now, token, silences, { resolution });
  }
  record.due_at = dueAt(record, now);
  return record;
}

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

/** Removes published notices from the outbox. */
export function withoutNotices(current: IncidentRecord, ids: Set<string>): IncidentRecord {
  const record = { ...current, outbox: current.outbox.filter((n) => !ids.has(n.id)) };
  record.due_at = dueAt(record, new Date());
  return record;
}

/** Recomputes when the sweeper should look at a record again, after a change. */
export function withDueAt(record: IncidentRecord, now: Date): IncidentRecord {
  return { ...record, due_at: dueAt(record, now) };
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

/**
 * A waiting notice is due now; an unresolved incident when it may be resolved for quiet; a
 * withheld notice when its mutes end; a resolved one with nothing owed never (it is closed).
 */
function dueAt(record: IncidentRecord, now: Date): number | undefined {
  if (record.outbox.length > 0) return epoch(now);
  const times: number[] = [];
  if (record.status !== "resolved") times.push(quietUntil(record));
  if (record.withheld) times.push(record.withheld.until);
  return times.length === 0 ? undefined : Math.min(...times);
}

/**
 * When an incident with no further events may be resolved for quiet: counted from the time of its
 * newest event, not from when that event arrived, so a late event does not keep it open longer.
 */
export function quietUntil(record: IncidentRecord): number {
  return (
    Math.floor(Date.parse(record.last_seen) / 1000) + record.policy.resolve_after_quiet_seconds
  );
}

/** An event whose rule would already have resolved it for quiet by now. */
const pastQuiet = (event: IntegrationEvent, policy: AlertPolicy, now: Date) =>
  Date.parse(event.occurred_at) + policy.resolve_after_quiet_seconds * 1000 <= now.getTime();

/**
 * The events of a group that may still change their incident; the rest are history (README,
 * "Time rules"). None older than the dedup retention: its id may be forgotten, so it could be
 * counted twice. Into an open incident, every other event counts: it is the same ongoing
 * problem. A closed or new incident opens again only for an event that happened after it was
 * resolved and whose quiet period has not passed: an old failure replayed or backfilled today
 * is not a problem today.
 */
export function liveEvents(
  current: IncidentRecord | undefined,
  events: IntegrationEvent[],
  policy: AlertPolicy,
  now: Date,
): IntegrationEvent[] {
  const open = current !== undefined && current.status !== "resolved";
  const resolvedAt = current?.resolved_at === undefined ? 0 : Date.parse(current.resolved_at);
  return events.filter((e) => {
    if (pastRetention(e.occurred_at, now)) return false;
    if (open) return true;
    return Date.parse(e.occurred_at) > resolvedAt && !pastQuiet(e, policy, now);
  });
}

/** ISO-8601 UTC timestamps of one format sort as strings (code units, not a locale's order). */
const earlier = (a: string, b: string) => (a <= b ? a : b);
const later = (a: string, b: string) => (a >= b ? a : b);

/** `toISOString()`'s own format, which normalized events mostly carry: no parse needed. */
const UTC_ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** A sender's clock ahead of ours must not push an incident into the future. */
const clampToNow = (iso: string, nowIso: string) =>
  earlier(UTC_ISO.test(iso) ? iso : new Date(iso).toISOString(), nowIso);

const hourKey = (iso: string) => iso.slice(0, 13).replace(/\D/g, "");
export const minuteKey = (iso: string) => String(Math.floor(new Date(iso).getTime() / 60_000));

export function addBuckets(
  buckets: Record<string, number>,
  times: string[],
  key: (iso: string) => string,
  oldest: string,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(buckets)) if (compareKeys(k, oldest) >= 0) out[k] = v;
  for (const t of times) {
    const k = key(t);
    if (compareKeys(k, oldest) >= 0) out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

/** Bucket keys are digit strings; compare them as numbers. */
const compareKeys = (a: string, b: string) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);

/** The last `RECENT` distinct non-empty values, oldest first; read from the newest end. */
export function recent(existing: string[], incoming: (string | undefined)[]): string[] {
  const newestFirst: string[] = [];
  for (const values of [incoming, existing]) {
    for (let i = values.length - 1; i >= 0 && newestFirst.length < RECENT; i--) {
      const value = values[i];
      if (value !== undefined && value !== "" && !newestFirst.includes(value)) {
        newestFirst.push(value);
      }
    }
  }
  return newestFirst.reverse();
}

/**
 * The newest of the incident's last error and the batch's events (a late event does not replace
 * a newer one); the provider's words come from the newest event that has them.
 */
function lastError(
  current: LastError | undefined,
  events: IntegrationEvent[],
  now: Date,
): LastError | undefined {
  let last = current;
  const nowIso = now.toISOString();
  for (const e of events) {
    const at = clampToNow(e.occurred_at, nowIso);
    const words = providerMessage(e);
    if (last !== undefined && at < last.at) {
      // An older event (events of a batch come in any order) still lends words the newest lacks.
      if (words !== undefined && last.provider_message === undefined) {
        last = { ...last, provider_status: providerStatus(e), provider_message: words };
      }
      continue;
    }
    last = {
      status: e.http?.status,
      method: e.http?.method,
      path: e.http?.path,
      message: e.error?.message?.slice(0, MESSAGE_CHARS),
      provider_status: words === undefined ? last?.provider_status : providerStatus(e),
      provider_message: words ?? last?.provider_message,
      request_id: e.request_id,
      at,
    };
  }
  return last;
}

function mergeAccount(account: Account, events: IntegrationEvent[]): Account {
  const merged: Account = { ...account };
  for (const e of events) {
    merged.name ??= e.account.name;
    merged.owner_id ??= e.account.owner_id;
    merged.owner_name ??= e.account.owner_name;
    merged.owner_email ??= e.account.owner_email;
  }
  return merged;
}
