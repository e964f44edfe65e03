import type { Classification, Classifier } from "../classify/classifier.ts";
import type { IntegrationEvent } from "../events/event.ts";
import type { Fields, Logger } from "../log.ts";
import {
  changesIncidents,
  customerTeller,
  type Plan,
  planBatch,
  resolutionFor,
  resolvedBy,
} from "./batch.ts";
import { change } from "./change.ts";
import { isOrphaned, publishing } from "./outbox.ts";
import { applyOutage, type Contribution, contributions, outageIds } from "./provider-incident.ts";
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
 * One batch: claim each event, plan what it does, apply the new ones to their incidents (one
 * write per incident), resolve what recovery events resolve, publish the notices decided.
 */
export function* processingSequence(
  messages: BatchMessage[],
  ctx: BatchContext,
): Sequence<BatchResult> {
  const failures = new Failures(ctx.log);
  // An event that changes no incident (a success no rule flags) needs no claim.
  const items = messages.filter((m) => changesIncidents(m.event, ctx.classifier));

  // 1. Claim: each event id once. A redelivered message finds its earlier attempt's claims.
  const { claimed, earlier } = yield* claimEach(items, ctx, failures);
  // When a step without which nothing can be decided fails, every message is received again.
  const retryAll = (what: string, error: unknown) => {
    failures.add(what, items, error);
    return failures.result(items.length, claimed.length);
  };

  // 2. Plan: which incident each event counts into, which events resolve; and what decides
  //    notices besides the records (the mutes, the provider incidents that may hold them).
  const plan = planBatch([...claimed, ...earlier.keys()], (item) => item.event, ctx.classifier);
  let silences: Silences;
  try {
    silences = yield* readSilences(plan);
  } catch (error) {
    // Without them no notice can be decided: the whole batch is tried again.
    return retryAll("reading mutes or provider incidents failed", error);
  }
  // Notices this attempt publishes: its own, its earlier attempts', and any whose writer died.
  const owners = new Set([ctx.token, ...[...earlier.values()].map((e) => e.token)]);
  const mine = (n: PendingNotice) => owners.has(n.owner) || isOrphaned(n, ctx.now);
  const apply: Apply = { ctx, silences, earlier, publishable: (r) => r.outbox.filter(mine) };

  // 3. Apply: the events into their incidents, side by side (each incident is its own item)...
  const touched: IncidentRecord[] = [];
  const written: Written[] = [];
  const counts = yield* all(
    [...plan.counted].map(function* ([incidentId, { classification, items }]) {
      try {
        return yield* countInto(incidentId, classification, items, apply);
      } catch (error) {
        failures.add("incident write failed", items, error, { incident: incidentId });
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
      const record = yield* countIntoOutage(id, joining, apply);
      if (record) touched.push(record);
    } catch (error) {
      failures.add("provider incident write failed", [], error, { incident: id });
    }
  }
  // ...then the resolving events close their accounts' open incidents.
  for (const item of plan.resolving) {
    try {
      touched.push(...(yield* resolveFor(item.event, apply)));
    } catch (error) {
      failures.add("resolving failed", [item], error, { messageId: item.id });
    }
  }

  // 4. Publish what the writes decided and left in the outboxes (SQLite's went with the write).
  try {
    yield* publishing(touched, mine, ctx.links);
  } catch (error) {
    // Every message is retried; the retry counts nothing twice and publishes again.
    return retryAll("publish failed", error);
  }
  return failures.result(items.length, claimed.length);
}

/** What failed in a batch: the messages to receive again, and why. */
class Failures {
  private readonly failed = new Set<string>();
  private readonly errors: unknown[] = [];
  constructor(private readonly log: Logger) {}

  add(what: string, items: BatchMessage[], error: unknown, fields: Fields = {}) {
    this.log.error(what, { ...fields, error: String(error) });
    this.errors.push(error);
    for (const item of items) this.failed.add(item.id);
  }

  result(relevant: number, claimed: number): BatchResult {
    const { failed, errors } = this;
    return { failed: [...failed], errors, claimed, duplicates: relevant - claimed };
  }
}

/** Claims each event for this attempt; a claim that fails fails its message. */
function* claimEach(
  items: BatchMessage[],
  { token }: BatchContext,
  failures: Failures,
): Sequence<{ claimed: BatchMessage[]; earlier: Map<BatchMessage, Earlier> }> {
  const claims = yield* all(
    items.map(function* (item) {
      try {
        return yield* ask("claim", keyOf(item.event), { token, message_id: item.id });
      } catch (error) {
        failures.add("claim failed", [item], error, { messageId: item.id });
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
    // its events ours to count if it died before it did (`countInto`).
    else if (claim?.message_id === item.id && claim.token)
      earlier.set(item, { token: claim.token, claimedAt: claim.claimed_at ?? 0 });
  });
  return { claimed, earlier };
}

/** The mutes active now, and the provider incidents the planned incidents may count toward. */
function* readSilences(plan: Plan<BatchMessage>): Sequence<Silences> {
  const groups = [...plan.counted.values()].map(({ classification, items }) => ({
    provider: (items[0] as BatchMessage).event.provider,
    category: classification.category,
  }));
  const outages = new Map<string, IncidentRecord | undefined>();
  for (const id of outageIds(groups)) outages.set(id, yield* ask("read", id));
  return { mutes: yield* ask("mutes"), outages };
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

/** One write of a batch's contributions into the provider incident `id`. */
function* countIntoOutage(
  id: string,
  joining: Contribution[],
  { ctx: { now, token, atomic }, silences, publishable }: Apply,
): Sequence<IncidentRecord> {
  return yield* retrying(id, function* () {
    const current = yield* ask("read", id);
    if (current?.applied.some(([t]) => t === token)) return current;
    const next = applyOutage(current, id, joining, now, token, {
      ...silences,
      recordApplied: !atomic,
    });
    return yield* ask("save", next, current?.version, publishable(next));
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
