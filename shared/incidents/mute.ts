import type { Category } from "../quirks/rule.ts";

/**
 * A silence by matcher (Alertmanager-style): incidents it matches still count, but send no
 * notice of any kind until it ends. Each matcher given must hold; an absent one matches all.
 */
export type Mute = {
  /** `mute_...` */
  id: string;
  account_id?: string;
  provider?: string;
  category?: Category;
  starts_at: string;
  ends_at: string;
  comment?: string;
  created_by: string;
  created_at: string;
};

/** Where mutes live. Expired mutes are never returned; stores may delete them later. */
export interface MuteStore {
  create(mute: Mute): Promise<void>;
  /** Mutes that have not ended at `now`, newest first. */
  active(now: Date): Promise<Mute[]>;
  /** Removes it (ending it early) and returns what was removed; undefined when there was none. */
  remove(id: string): Promise<Mute | undefined>;
}

/** A mute on one incident (`POST /incidents/{id}/mute`), kept on the incident itself. */
export type IncidentMute = { until: string; by: string; at: string; comment?: string };

/** What a mute is matched against. */
export type Muteable = {
  account: { id: string };
  provider: string;
  category: Category;
  mute?: IncidentMute;
};

export function muteMatches(mute: Mute, incident: Muteable, now: Date): boolean {
  return (
    Date.parse(mute.starts_at) <= now.getTime() &&
    Date.parse(mute.ends_at) > now.getTime() &&
    (mute.account_id === undefined || mute.account_id === incident.account.id) &&
    (mute.provider === undefined || mute.provider === incident.provider) &&
    (mute.category === undefined || mute.category === incident.category)
  );
}

/**
 * When the mutes holding the incident at `now` all end (its own and every matching one), or
 * undefined when none holds it.
 */
export function mutedUntil(
  incident: Muteable,
  mutes: readonly Mute[],
  now: Date,
): string | undefined {
  const ends = mutes.filter((m) => muteMatches(m, incident, now)).map((m) => m.ends_at);
  if (incident.mute && Date.parse(incident.mute.until) > now.getTime())
    ends.push(incident.mute.until);
  return ends.length === 0
    ? undefined
    : ends.reduce((a, b) => (Date.parse(a) >= Date.parse(b) ? a : b));
}
