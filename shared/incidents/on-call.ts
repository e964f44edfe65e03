import type { IncidentMute } from "./mute.ts";
import { announceAcknowledged, releaseWithheld } from "./notice-decisions.ts";
import { type IncidentRecord, type Silences, withDueAt } from "./record.ts";
import { resolveIncident } from "./state-changes.ts";

/**
 * What on-call does to an incident, decided without I/O. Each returns the record to write with
 * one conditional write on the version read, or throws ActionRefused; on contention the caller
 * reads again and decides again, so two clicks, or a click racing the sweeper, give one outcome.
 */

/** The action does not apply to the incident as it is now (409 in the API). */
export class ActionRefused extends Error {
  override name = "ActionRefused";
}

/**
 * No reminders until it resolves; its resolved notice still goes. An incident that fired gets an
 * acknowledged notice (PagerDuty's `acknowledge`).
 */
export function acknowledge(
  current: IncidentRecord,
  by: string,
  note: string | undefined,
  now: Date,
  token: string,
): IncidentRecord {
  if (current.status === "resolved") throw new ActionRefused("the incident is resolved");
  if (current.acknowledged) {
    const { by: who, at } = current.acknowledged;
    throw new ActionRefused(`already acknowledged by ${who} at ${at}`);
  }
  const record: IncidentRecord = {
    ...current,
    acknowledged: { by, at: now.toISOString(), ...(note ? { note } : {}) },
  };
  announceAcknowledged(record, by, now, token);
  return record;
}

/**
 * Mutes the incident, whatever its generation, until `mute.until`; a second mute replaces the
 * first. A notice it already withholds is looked at again when the new mute ends.
 */
export function muteIncident(
  current: IncidentRecord,
  mute: IncidentMute,
  now: Date,
  token: string,
  silences: Silences,
): IncidentRecord {
  const muted: IncidentRecord = { ...current, mute };
  return withDueAt(releaseWithheld(muted, now, token, silences) ?? muted, now);
}

/** Ends the incident's own mute; what it withheld goes now unless another mute holds it. */
export function unmuteIncident(
  current: IncidentRecord,
  now: Date,
  token: string,
  silences: Silences,
): IncidentRecord {
  if (!current.mute || Date.parse(current.mute.until) <= now.getTime()) {
    throw new ActionRefused(
      "the incident has no mute of its own (a mute by matcher ends with DELETE /mutes/{id})",
    );
  }
  const unmuted: IncidentRecord = { ...current, mute: undefined };
  return withDueAt(releaseWithheld(unmuted, now, token, silences) ?? unmuted, now);
}

/** Resolves now: one resolved notice if it had fired (withheld while muted). */
export function resolveByHand(
  current: IncidentRecord,
  by: string,
  now: Date,
  token: string,
  silences: Silences,
): IncidentRecord {
  const next = resolveIncident(current, "manual", now, token, silences, by);
  if (!next) throw new ActionRefused(`already resolved at ${current.resolved_at}`);
  return next;
}
