import { providerGroupWaitSeconds } from "../config.ts";
import type { Category } from "../quirks/rule.ts";
import { incidentId } from "./incident-key.ts";
import { mutedUntil } from "./mute.ts";
import type { NoticeKind } from "./notice.ts";
import type { IncidentRecord, Silences } from "./record.ts";

/**
 * How an account incident relates to its provider's incident (provider-incident.ts): whether it
 * counts toward one, and what holds its notices back. Alertmanager's grouping and inhibition: a
 * provider-side firing notice waits a moment (`group_until`) for a provider incident to form,
 * and sends nothing while one is open for its provider and category.
 */

/** The categories where the fault is the provider's (or StackOne's), not the account's. */
export const PROVIDER_SIDE: ReadonlySet<Category> = new Set([
  "server_error",
  "provider_unavailable",
  "rate_limited",
]);

/** Provider incidents stand under this account id: the API filters `scope` by it. */
export const PROVIDER_ACCOUNT_PREFIX = "provider:";

/** One provider incident per (provider, category). */
export function outageId(provider: string, category: Category): string {
  return incidentId(`${PROVIDER_ACCOUNT_PREFIX}${provider}`, provider, `outage.${category}`);
}

export const isProviderIncident = (record: Pick<IncidentRecord, "scope">) =>
  record.scope === "provider";

/**
 * Whether an account incident counts toward its provider's incident: a server error or an
 * unavailable provider at once, a rate limit once sustained (its own incident fires).
 */
export function joinsOutage(record: IncidentRecord): boolean {
  return (
    !isProviderIncident(record) &&
    PROVIDER_SIDE.has(record.category) &&
    record.policy.provider_incident !== false &&
    (record.category !== "rate_limited" || record.status === "firing")
  );
}

/** The provider incident an account incident counts toward, if it does. */
export const outageOf = (record: IncidentRecord): string | undefined =>
  joinsOutage(record) ? outageId(record.provider, record.category) : undefined;

/**
 * Marks which provider incident generation an account incident counts toward (the open one, or
 * the next one to open), so each account is counted once per provider incident; and starts the
 * grouping wait the first time it fires.
 */
export function markOutage(record: IncidentRecord, silences: Silences, now: Date): void {
  const id = outageOf(record);
  if (id === undefined || silences.outages === undefined || !silences.outages.has(id)) return;
  const outage = silences.outages.get(id);
  const generation =
    outage && outage.status !== "resolved" ? outage.generation : (outage?.generation ?? 0) + 1;
  record.outage = `${id}#${generation}`;
  if (record.status === "firing" && record.notified_at === undefined)
    record.group_until ??= Math.floor(now.getTime() / 1000) + providerGroupWaitSeconds();
}

/**
 * The provider incident holding this account incident's notices back, if any: an open one; or
 * the one it counted toward, now over, while no event of its own has come since (a later event
 * shows a problem of its own, which then notifies on its own).
 */
export function inhibitor(record: IncidentRecord, silences: Silences): IncidentRecord | undefined {
  const id = outageOf(record);
  const outage = id === undefined ? undefined : silences.outages?.get(id);
  if (outage?.status === "firing") return outage;
  const ended = outage?.resolved_at === undefined ? Number.NaN : Date.parse(outage.resolved_at);
  const counted = outage !== undefined && record.outage === `${id}#${outage.generation}`;
  return counted && record.received_at * 1000 <= ended ? outage : undefined;
}

/**
 * Until when a notice of `kind` is held back, as an ISO time, or undefined when it may go now:
 * every matching mute; for a firing notice or reminder of a provider-side account incident, an
 * open provider incident (until this incident goes quiet: an event after the provider incident
 * has ended releases it), and the grouping wait.
 */
export function heldUntil(
  record: IncidentRecord,
  silences: Silences,
  now: Date,
  kind: NoticeKind,
): string | undefined {
  const ends: number[] = [];
  const muted = mutedUntil(record, silences.mutes, now);
  if (muted !== undefined) ends.push(Date.parse(muted));
  if (kind !== "resolved" && joinsOutage(record)) {
    if (inhibitor(record, silences)) {
      ends.push((record.received_at + record.policy.resolve_after_quiet_seconds) * 1000);
    } else if (kind === "firing" && record.group_until !== undefined) {
      ends.push(record.group_until * 1000);
    }
  }
  const until = Math.max(...ends.filter((t) => t > now.getTime()));
  return Number.isFinite(until) ? new Date(until).toISOString() : undefined;
}
