import type { Classification, Classifier } from "../classify/classifier.ts";
import type { IntegrationEvent } from "../events/event.ts";
import type { Logger } from "../log.ts";
import { changesIncidents, customerTeller, planBatch, resolutionFor, resolvedBy } from "./batch.ts";
import { change } from "./change.ts";
import { isOrphaned, publishing } from "./outbox.ts";
import { applyOutage, contributions, outageIds } from "./provider-incident.ts";
import type { ReconnectLinks } from "./reconnect-links.ts";
import type { IncidentRecord, PendingNotice, Silences } from "./record.ts";
import { applyEvents, liveEvents, wasApplied } from "./state-changes.ts";
import { all, ask, LOST, retrying, type Sequence } from "./steps.ts";

/**
 * The one processing sequence of both engines: claim → plan → apply → publish. It is a generator
 * (steps.ts says why): Lambda runs it with `runAsync` on DynamoDB (process.ts), the single node
 * with `runSync` inside one SQLite transaction (process-in-transaction.ts). What differs is only
 * behind the ports: on SQLite the claims, writes and notices of a batch commit together; on
 * DynamoDB each write is conditional, retried on contention, and a redelivered message finds
 * what its earlier attempt did through its claims' token (`countInto`).
 */

export type BatchMessage = { id: string; event: IntegrationEvent };

export type BatchContext = {
  classifier: Classifier;
  now: Date;
  /** This attempt's token: it owns the claims it makes and the notices it decides. */
  token: string;
  links?: ReconnectLinks;
  log: Logger;
  /**
   * The engine commits the batch's claims, writes and notices together (SQLite): a crash leaves
   * none of them, so no record needs to remember which batches it counted (`applied`).
   */
  atomic: boolean;
};

export type BatchResult = {
  /** Messages whose work failed, to be received again. */
  failed: string[];
  /** What failed, first first (an atomic engine undoes the whole batch on any). */
  errors: unknown[];
  claimed: number;
  duplicates: number;
};

const CLAIM_CONCURRENCY = 32;
const WRITE_CONCURRENCY = 16;

/** An earlier attempt of the same message claimed the event with `token` at `claimedAt`. */
type Earlier = { token: string; claimedAt: number };

type Written = {
  before: IncidentRecord | undefined;
  after: IncidentRecord;
  events: IntegrationEvent[];
};

const keyOf = (e: IntegrationEvent) => ({ source: e.source, id: e.id });

/**
 * One batch: count each new event exactly once into its incident, with one write per incident,
 * then resolve what recovery events resolve, then publish the notices those writes decided.
 */
export function* processingSequence(
  messages: BatchMessage[],
  ctx: BatchContext,
): Sequence<BatchResult> {
  const { classifier, now, token, log } = ctx;
  const failed = new Set<string>();
  const errors: unknown[] = [];
  const fail = (what: string, ids: string[], error: unknown, fields = {}) => {
    log.error(what, { ...fields, error: String(error) });
    errors.push(error);
    for (const id of ids) failed.add(id);
  };

  // 1. Claim each event id; a redelivered one is a duplicate. An event that changes no incident
  //    (a success no rule flags) needs no claim.
  const items = messages.filter((m) => changesIncidents(m.event, classifier));
  const claims = yield* all(
    items.map(function* (item) {
      try {
        return yield* ask("claim", keyOf(item.event), { token, message_id: item.id });
      } catch (error) {
        fail("claim failed", [item.id], error, { messageId: item.id });
        return undefined;
      }
    }),
    CLAIM_CONCURRENCY,
  );
  const claimed: BatchMessage[] = [];
  const earlier = new Map<BatchMessage, Earlier>();
  items.forEach((item, i) => {
    const claim = claims[i];
    if (claim?.status === "claimed") claimed.push(item);
    // Claimed by an earlier attempt of this very message: its notices are ours to publish, and
    // its events ours to count if it died before it did.
    else if (claim?.message_id === item.id && claim.token)
      earlier.set(item, { token: claim.token, claimedAt: claim.claimed_at ?? 0 });
  });
  const result = () => ({
    failed: [...failed],
    errors,
    claimed: claimed.length,
    duplicates: items.length - claimed.length,
  });
  const everything = (what: string, error: unknown) => {
    fail(
      what,
      items.map((i) => i.id),
      error,
    );
    return result();
  };

  // 2. Plan: which incident each event counts into, which events resolve. Then what decides
  //    notices besides the records: the mutes, and the provider incidents that may hold them.
  const plan = planBatch([...claimed, ...earlier.keys()], (item) => item.event, classifier);
  let silences: Silences;
  try {
    const outages = new Map<string, IncidentRecord | undefined>();
    const groups = [...plan.counted.values()].map(({ classification, items }) => ({
      provider: (items[0] as BatchMessage).event.provider,
      category: classification.category,
    }));
    for (const id of outageIds(groups)) outages.set(id, yield* ask("read", id));
    silences = { mutes: yield* ask("mutes"), outages };
  } catch (error) {
    // Without them no notice can be decided: the whole batch is tried again.
    return everything("reading mutes or provider incidents failed", error);
  }

  // Notices this attempt publishes: its own, its earlier attempts', and any whose writer died.
  const owners = new Set([token, ...[...earlier.values()].map((e) => e.token)]);
  const mine = (n: PendingNotice) => owners.has(n.owner) || isOrphaned(n, now);
  const publishable = (record: IncidentRecord) => record.outbox.filter(mine);
  const apply = { ctx, silences, earlier, publishable };

  // 3. Apply: the events into their incidents, side by side (each incident is its own item)...
  const touched: IncidentRecord[] = [];
  const written: Written[] = [];
  const counts = yield* all(
    [...plan.counted].map(function* ([incidentId, { classification, items }]) {
      try {
        return yield* countInto(incidentId, classification, items, apply);
      } catch (error) {
        fail(
          "incident write failed",
          items.map((i) => i.id),
          error,
          { incident: incidentId },
        );
        return {};
      }
    }),
    WRITE_CONCURRENCY,
  );
  for (const { record, written: w } of counts) {
    if (record) touched.push(record);
    if (w) written.push(w);
  }

  // ...then into the provider incidents they count toward, once each. Their counts derive from
  // the account incidents': a batch that fails here is retried and finds its events counted.
  for (const [id, joining] of contributions(silences.outages, written)) {
    try {
      const record = yield* retrying(id, function* () {
        const current = yield* ask("read", id);
        if (current?.applied.some(([t]) => t === token)) return current;
        const next = applyOutage(current, id, joining, now, token, {
          ...silences,
          recordApplied: !ctx.atomic,
        });
        return yield* ask("save", next, current?.version, publishable(next));
      });
      if (record) touched.push(record);
    } catch (error) {
      fail("provider incident write failed", [], error, { incident: id });
    }
  }

  // ...then the resolving events close their accounts' open incidents (after the counts).
  for (const item of plan.resolving) {
    try {
      touched.push(...(yield* resolveFor(item.event, apply)));
    } catch (error) {
      fail("resolving failed", [item.id], error, { messageId: item.id });
    }
  }

  // 4. Publish what the writes decided and left in the outboxes (on SQLite, already published).
  try {
    yield* publishing(touched, mine, ctx.links);
  } catch (error) {
    // Every message is retried; the retry counts nothing twice and publishes again.
    return everything("publish failed", error);
  }
  return result();
}

type Apply = {
  ctx: BatchContext;
  silences: Silences;
  earlier: Map<BatchMessage, Earlier>;
  publishable: (record: IncidentRecord) => PendingNotice[];
};

/** One write of a batch's events into their incident, read and decided again if another won. */
function* countInto(
  incidentId: string,
  classification: Classification,
  items: BatchMessage[],
  { ctx, silences, earlier, publishable }: Apply,
): Sequence<{ record?: IncidentRecord; written?: Written }> {
  const { now, token } = ctx;
  const fresh = items.filter((item) => !earlier.has(item)).map((item) => item.event);
  let unchecked = items.filter((item) => earlier.has(item));
  const reclaimed: IntegrationEvent[] = [];
  return yield* retrying(incidentId, function* () {
    const current = yield* ask("read", incidentId);
    // An earlier attempt of the same message claimed these events but died before counting
    // them: its token is not among the incident's applied ones. Take them over and count them.
    for (const item of unchecked) {
      const previous = earlier.get(item) as Earlier;
      if (wasApplied(current, previous.token, previous.claimedAt)) continue;
      if (yield* ask("reclaim", keyOf(item.event), previous.token, token))
        reclaimed.push(item.event);
    }
    unchecked = [];
    // Claimed all the same: a history event is never looked at again.
    const events = liveEvents(current, [...fresh, ...reclaimed], classification.alert, now);
    if (events.length === 0) return { record: current };
    // Our write landed, but its answer was lost and the SDK's retry found the new version.
    if (current?.applied.some(([t]) => t === token)) return { record: current };
    const next = applyEvents(current, { incidentId, classification, events }, now, token, {
      ...silences,
      recordApplied: !ctx.atomic,
    });
    const saved = yield* ask("save", next, current?.version, publishable(next));
    if (saved === LOST) return LOST;
    return { record: saved, written: { before: current, after: saved, events } };
  });
}

/** Resolves the open incidents of the event's account that it speaks for (`resolutionFor`). */
function* resolveFor(
  event: IntegrationEvent,
  { ctx: { now, token }, silences, publishable }: Apply,
): Sequence<IncidentRecord[]> {
  const open = yield* ask("openForAccount", event.account.id);
  const teller = customerTeller(event, open, silences.mutes, now);
  const out: IncidentRecord[] = [];
  for (const incident of open) {
    const resolution = resolutionFor(event, incident);
    if (resolution === undefined) continue;
    const how = { token, now, silences, teller, at: event.occurred_at };
    const { record } = yield* change(
      incident.id,
      (current) => resolvedBy(current, resolution, how),
      publishable,
    );
    if (record) out.push(record);
  }
  return out;
}
