import type { Classifier } from "../classify/classifier.ts";
import type { IntegrationEvent } from "../events/event.ts";
import {
  changesIncidents,
  customerTeller,
  planBatch,
  resolutionFor,
  withCustomerTeller,
} from "./batch.ts";
import type { Mute } from "./mute.ts";
import type { Notice } from "./notice.ts";
import { toNotice } from "./notice-decisions.ts";
import { isOrphaned } from "./outbox.ts";
import { applyOutage, contributions, outageIds } from "./provider-incident.ts";
import type { ReconnectLinks } from "./reconnect-links.ts";
import { withLinkSent } from "./reconnect-trail.ts";
import type { IncidentRecord } from "./record.ts";
import { applyEvents, liveEvents, resolveIncident, withoutNotices } from "./state-changes.ts";
import type { EventKey } from "./store.ts";

/**
 * The reads and writes one batch needs, all inside one transaction the caller holds open: what
 * is claimed, saved and published here commits together or not at all. Synchronous, because an
 * embedded database's transaction is (better-sqlite3).
 */
export interface BatchTransaction {
  /** Records an event id; false when it is already recorded (a redelivery). */
  claim(key: EventKey): boolean;
  getIncident(id: string): IncidentRecord | undefined;
  /** Every open incident of one customer account. */
  openIncidentsForAccount(accountId: string): IncidentRecord[];
  /** Writes the record, read at `expectedVersion` (undefined when new); throws if it moved. */
  saveIncident(record: IncidentRecord, expectedVersion: number | undefined): void;
  /** Puts notices in the durable outbox; they are delivered once the transaction commits. */
  publish(notices: Notice[]): void;
}

export type BatchOutcome = { counted: number; duplicates: number; notices: number };

/**
 * One batch of queued events in one transaction: claim each id, count the new events into their
 * incidents, resolve what recovery events resolve, and publish the notices those changes decide.
 * Exactly once comes from the transaction: a crash before commit leaves the events queued and
 * nothing claimed. The decisions are the AWS processor's (`planBatch`, `applyEvents`, ...).
 */
export function processInTransaction(
  events: IntegrationEvent[],
  tx: BatchTransaction,
  deps: {
    classifier: Classifier;
    now: Date;
    token: string;
    mutes: readonly Mute[];
    links?: ReconnectLinks;
  },
): BatchOutcome {
  const { now, token } = deps;
  // An event that changes no incident (a success no rule flags) needs no claim.
  const relevant = events.filter((e) => changesIncidents(e, deps.classifier));
  const fresh = relevant.filter((e) => tx.claim({ source: e.source, id: e.id }));
  const plan = planBatch(fresh, (e) => e, deps.classifier);
  const ids = outageIds(
    [...plan.counted.values()].map(({ classification, items }) => ({
      provider: (items[0] as IntegrationEvent).provider,
      category: classification.category,
    })),
  );
  const silences = {
    mutes: deps.mutes,
    outages: new Map(ids.map((id) => [id, tx.getIncident(id)])),
  };
  let notices = 0;

  const write = (current: IncidentRecord | undefined, next: IncidentRecord) => {
    // Ours, or left behind by a writer that died (the sweeper publishes outside a transaction).
    const due = next.outbox.filter((n) => n.owner === token || isOrphaned(n, now));
    const published = due.map((pending) => toNotice(next, pending, deps.links));
    if (published.length > 0) tx.publish(published);
    notices += published.length;
    const saved =
      published.length > 0
        ? withLinkSent(withoutNotices(next, new Set(published.map((n) => n.id))), published)
        : next;
    tx.saveIncident(saved, current?.version);
  };

  const written = [];
  for (const [incidentId, { classification, items }] of plan.counted) {
    const current = tx.getIncident(incidentId);
    // Claimed all the same: a history event is never looked at again.
    const events = liveEvents(current, items, classification.alert, now);
    if (events.length === 0) continue;
    const group = { incidentId, classification, events };
    // The claims commit with the count: no batch token needs remembering on the record.
    const next = applyEvents(current, group, now, token, { ...silences, recordApplied: false });
    write(current, next);
    written.push({ before: current, after: next, events: items });
  }
  // Then the provider incidents the account incidents count toward, in the same transaction.
  for (const [id, joining] of contributions(silences.outages, written)) {
    const current = tx.getIncident(id);
    write(
      current,
      applyOutage(current, id, joining, now, token, { ...silences, recordApplied: false }),
    );
  }
  for (const event of plan.resolving) {
    const open = tx.openIncidentsForAccount(event.account.id);
    const teller = customerTeller(event, open, deps.mutes, now);
    for (const incident of open) {
      const resolution = resolutionFor(event, incident);
      const next =
        resolution &&
        withCustomerTeller(
          resolveIncident(incident, resolution, now, token, silences, undefined, event.occurred_at),
          teller,
          token,
        );
      if (next) write(incident, next);
    }
  }
  return { counted: fresh.length, duplicates: relevant.length - fresh.length, notices };
}
