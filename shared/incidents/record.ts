import type { Classification } from "../classify/classifier.ts";
import { epochOf } from "../clock.ts";
import type { IntegrationEvent } from "../events/event.ts";
import type { AlertPolicy } from "../quirks/rule.ts";
import type { Incident, Resolution } from "./incident.ts";
import type { IncidentMute, Mute } from "./mute.ts";
import type { NoticeKind } from "./notice.ts";

/**
 * The incident as stored, and when the sweeper looks at it again. What changes it lives beside:
 * state-changes.ts (events counted, resolved), notice-decisions.ts (which notice, when),
 * tallies.ts (counts, buckets, recent values).
 */

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

/**
 * The last connect session, kept on the record only (never in a notice or view): its hosted page
 * is reused by clicks within a minute. Without `url`, a click began making one at `at`.
 */
export type ReconnectSession = { at: string; id?: string; url?: string };

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

/** Recomputes when the sweeper should look at a record again, after a change. */
export function withDueAt(record: IncidentRecord, now: Date): IncidentRecord {
  return { ...record, due_at: dueAt(record, now) };
}

/**
 * A waiting notice is due now; an unresolved incident when it may be resolved for quiet; a
 * withheld notice when its mutes end; a resolved one with nothing owed never (it is closed).
 */
export function dueAt(record: IncidentRecord, now: Date): number | undefined {
  if (record.outbox.length > 0) return epochOf(now);
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
