import type { Classification, Classifier } from "../classify/classifier.ts";
import type { IntegrationEvent } from "../events/event.ts";
import { RESOLVED_BY_RECOVERY } from "../quirks/rule.ts";
import type { Resolution } from "./incident.ts";
import { incidentId } from "./incident-key.ts";
import { type Mute, mutedUntil } from "./mute.ts";
import type { IncidentRecord, Silences } from "./record.ts";
import { resolveIncident } from "./state-changes.ts";

/**
 * What the events of a batch do to incidents, decided without I/O. Both engines apply these
 * decisions: DynamoDB with one conditional write per incident, SQLite in one transaction.
 */

/** What one new event does. */
export type Effect =
  /** Counted into its incident: one problem for one customer account and provider. */
  | { kind: "count"; incidentId: string; classification: Classification }
  /** Resolves open incidents of its account (see `resolutionFor`), after the batch's counts. */
  | { kind: "resolve" }
  /**
   * Nothing: no problem (a success no rule flags, `account.created`, expected behaviour). Nobody
   * must act on its rule, so it opens no incident; `npm run classify` still explains it.
   */
  | { kind: "none"; classification: Classification };

export function effectOf(event: IntegrationEvent, classifier: Classifier): Effect {
  if (event.kind === "recovery" || event.kind === "account_deleted") return { kind: "resolve" };
  const classification = classifier.classify(event);
  if (classification.must_act === "nobody") return { kind: "none", classification };
  const id = incidentId(event.account.id, event.provider, classification.incident_key);
  return { kind: "count", incidentId: id, classification };
}

/**
 * How a resolving event closes one open incident of its account, if it does: a deleted account
 * closes them all; a recovery those of its provider that a reconnect fixes. Only an incident last
 * seen before the event: an older recovery (a replay, a late delivery) is history.
 */
export function resolutionFor(
  event: IntegrationEvent,
  incident: IncidentRecord,
): Resolution | undefined {
  if (Date.parse(incident.last_seen) >= Date.parse(event.occurred_at)) return undefined;
  if (event.kind === "account_deleted") return "account_deleted";
  if (event.kind !== "recovery" || incident.provider !== event.provider) return undefined;
  return RESOLVED_BY_RECOVERY.has(incident.category) ? "recovery" : undefined;
}

/**
 * A reconnect resolves every re-auth and permission problem of the account at once; the
 * customer should hear "working again" once, not once per problem. Of the incidents the
 * recovery resolves that told the customer they fired (and whose resolved notice no mute holds
 * back), the first by id is the one whose notice tells them; undefined when one or none would.
 */
export function customerTeller(
  event: IntegrationEvent,
  open: IncidentRecord[],
  mutes: readonly Mute[],
  now: Date,
): string | undefined {
  const tellers = open
    .filter(
      (i) =>
        resolutionFor(event, i) === "recovery" &&
        i.must_act === "customer" &&
        i.status === "firing" &&
        i.withheld?.kind !== "firing" &&
        mutedUntil(i, mutes, now) === undefined,
    )
    .map((i) => i.id)
    .sort();
  return tellers.length > 1 ? tellers[0] : undefined;
}

/** Names the teller on the resolved notice this write (`token`) decided. */
export function withCustomerTeller(
  record: IncidentRecord | undefined,
  teller: string | undefined,
  token: string,
): IncidentRecord | undefined {
  if (record === undefined || teller === undefined) return record;
  const outbox = record.outbox.map((n) =>
    n.owner === token && n.kind === "resolved" && n.resolution === "recovery"
      ? { ...n, customer_told_by: teller }
      : n,
  );
  return { ...record, outbox };
}

/**
 * The incident resolved by `resolution` (undefined if it already is); its resolved notice names
 * the customer's teller. `at`: when the problem ended (a resolving event's own time; default now).
 */
export function resolvedBy(
  current: IncidentRecord,
  resolution: Resolution,
  how: { token: string; now: Date; silences: Silences; teller?: string; at?: string },
): IncidentRecord | undefined {
  const { token, now, silences, teller, at } = how;
  return withCustomerTeller(
    resolveIncident(current, resolution, now, token, silences, undefined, at),
    teller,
    token,
  );
}

export type Plan<T> = {
  /** Items counted into each incident, by incident id, in arrival order. */
  counted: Map<string, { classification: Classification; items: T[] }>;
  /** Items whose events resolve incidents; applied after the counts. */
  resolving: T[];
};

/** Whether an event changes any incident; one that does not needs no claim or write. */
export const changesIncidents = (event: IntegrationEvent, classifier: Classifier): boolean =>
  effectOf(event, classifier).kind !== "none";

/** Sorts a batch's new items (events, or whatever carries them) by what they do. */
export function planBatch<T>(
  items: Iterable<T>,
  eventOf: (item: T) => IntegrationEvent,
  classifier: Classifier,
): Plan<T> {
  const plan: Plan<T> = { counted: new Map(), resolving: [] };
  for (const item of items) {
    const effect = effectOf(eventOf(item), classifier);
    if (effect.kind === "none") continue;
    if (effect.kind === "resolve") {
      plan.resolving.push(item);
      continue;
    }
    const entry = plan.counted.get(effect.incidentId);
    if (entry) entry.items.push(item);
    else
      plan.counted.set(effect.incidentId, {
        classification: effect.classification,
        items: [item],
      });
  }
  return plan;
}
