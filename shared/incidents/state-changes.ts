import { epochOf } from "../clock.ts";
import type { IntegrationEvent } from "../events/event.ts";
import { pastRetention } from "../events/event-time.ts";
import { providerMessage } from "../events/provider-message.ts";
import { wordingFor } from "../quirks/customer-wording.ts";
import type { AlertPolicy } from "../quirks/rule.ts";
import type { Resolution } from "./incident.ts";
import { addNotice, announce, releaseWithheld } from "./notice-decisions.ts";
import { heldUntil, markOutage } from "./outage-hold.ts";
import { reconnectedThroughLink } from "./reconnect-trail.ts";
import { dueAt, type EventGroup, type IncidentRecord, type Silences } from "./record.ts";
import {
  addBuckets,
  clampToNow,
  earlier,
  HOUR_BUCKETS,
  hourKey,
  lastError,
  later,
  MESSAGE_CHARS,
  mergeAccount,
  minuteKey,
  recent,
} from "./tallies.ts";

/**
 * How an incident's state changes: a batch's events counted in (`applyEvents`), resolved
 * (`resolveIncident`), published notices taken out of its outbox. Each returns the next record
 * for one conditional write; none does I/O.
 */

/** Applied batch tokens are kept this long, longer than SQS redelivers one message (5 receives
 * of a 6-minute visibility timeout), and at most this many, to keep the item small. */
const APPLIED_RETENTION_SECONDS = 3600;

const APPLIED_MAX = 200;

export const RESOLVED_RETENTION_SECONDS = 30 * 24 * 3600;

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
    received_at: epochOf(now),
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
    ...(silences.recordApplied === false ? {} : appliedWith(base, token, epochOf(now))),
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
    epochOf(now) - epochOf(new Date(record.notified_at)) >= c.alert.repeat_seconds
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
    expires_at: epochOf(now) + RESOLVED_RETENTION_SECONDS,
    reconnect: reconnectedThroughLink(current, resolution, now),
  };
  if (current.status === "firing") {
    if (current.withheld?.kind === "firing") record.withheld = undefined;
    else announce(record, "resolved", now, token, silences, { resolution });
  }
  record.due_at = dueAt(record, now);
  return record;
}

/** Removes published notices from the outbox. */
export function withoutNotices(current: IncidentRecord, ids: Set<string>): IncidentRecord {
  const record = { ...current, outbox: current.outbox.filter((n) => !ids.has(n.id)) };
  record.due_at = dueAt(record, new Date());
  return record;
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
