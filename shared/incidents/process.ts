import { randomBytes } from "node:crypto";
import type { Classifier } from "../classify/classifier.ts";
import type { Clock } from "../clock.ts";
import { forEachLimit } from "../concurrency.ts";
import { type IntegrationEvent, parseEvent } from "../events/event.ts";
import type { QueueMessage } from "../events/queue.ts";
import { type Fields, type Logger, silentLogger } from "../log.ts";
import {
  changesIncidents,
  customerTeller,
  planBatch,
  resolutionFor,
  withCustomerTeller,
} from "./batch.ts";
import type { AlertBus } from "./bus.ts";
import { changeIncident, LOST, retryWrite } from "./change.ts";
import type { Resolution } from "./incident.ts";
import type { MuteStore } from "./mute.ts";
import { isOrphaned, publishOutboxes } from "./outbox.ts";
import {
  applyOutage,
  type Contribution,
  contributions,
  outageIds,
  readOutages,
} from "./provider-incident.ts";
import type { ReconnectLinks } from "./reconnect-links.ts";
import type { EventGroup, IncidentRecord, Silences } from "./record.ts";
import { applyEvents, liveEvents, resolveIncident, wasApplied } from "./state-changes.ts";
import type { IncidentStore } from "./store.ts";

export type ProcessDeps = {
  store: IncidentStore;
  mutes: MuteStore;
  bus: AlertBus;
  classifier: Classifier;
  /** Adds the reconnect link to the notices that offer one, when configured. */
  links?: ReconnectLinks;
  clock: Clock;
  log?: Logger;
};

const CLAIM_CONCURRENCY = 32;
const WRITE_CONCURRENCY = 16;

type Item = { message: QueueMessage; event: IntegrationEvent };

/**
 * One batch of queued messages (an id unique in the batch, and the event as its body): count
 * each new event exactly once into its incident, with one incident write per incident per
 * batch, then publish the notices those writes decided. Returns the ids of the messages whose
 * work failed, to be delivered again; an id delivered again finds the work its earlier attempt
 * did (see `claimEvent`'s message id).
 */
export async function processBatch(messages: QueueMessage[], deps: ProcessDeps): Promise<string[]> {
  const now = deps.clock.now();
  const token = randomBytes(9).toString("base64url");
  const failed = new Set<string>();
  const logger = deps.log ?? silentLogger;
  const log = (message: string, fields?: Fields) => logger.error(message, fields);

  const items: Item[] = [];
  for (const message of messages) {
    try {
      const event = parseEvent(JSON.parse(message.body));
      // An event that is no problem changes nothing: no claim, no write.
      if (changesIncidents(event, deps.classifier)) items.push({ message, event });
    } catch (error) {
      // Ingest validated it; a body that fails now is kept for the dead-letter queue, not dropped.
      log("unreadable message", { messageId: message.id, error: String(error) });
      failed.add(message.id);
    }
  }

  // Tokens of this message's earlier attempts: their notices are ours to publish.
  const earlierTokens = new Set<string>();
  const reclaims = new Map<Item, { token: string; claimedAt: number }>();
  const claimed: Item[] = [];
  await forEachLimit(items, CLAIM_CONCURRENCY, async (item) => {
    try {
      const claim = await deps.store.claimEvent(
        { source: item.event.source, id: item.event.id },
        { token, message_id: item.message.id },
      );
      if (claim.status === "claimed") claimed.push(item);
      else if (claim.message_id === item.message.id && claim.token) {
        earlierTokens.add(claim.token);
        reclaims.set(item, { token: claim.token, claimedAt: claim.claimed_at ?? 0 });
      }
    } catch (error) {
      log("claim failed", { messageId: item.message.id, error: String(error) });
      failed.add(item.message.id);
    }
  });

  let silences: Silences;
  try {
    silences = { mutes: await deps.mutes.active(now) };
  } catch (error) {
    // Without the mutes no notice can be decided: the whole batch is retried.
    log("reading mutes failed", { error: String(error) });
    return items.map((i) => i.message.id);
  }

  // Resolving is idempotent: a resolving event whose first attempt failed simply runs again.
  const plan = planBatch([...claimed, ...reclaims.keys()], (item) => item.event, deps.classifier);
  const groups = [...plan.counted].map(([id, { classification, items: all }]) => {
    const items = all.filter((item) => !reclaims.has(item));
    const group: EventGroup = { incidentId: id, classification, events: items.map((i) => i.event) };
    return { group, items, reclaims: all.filter((item) => reclaims.has(item)) };
  });

  try {
    const ids = outageIds(
      groups
        .map(({ group }) => ({ event: group.events[0], category: group.classification.category }))
        .flatMap(({ event, category }) => (event ? [{ provider: event.provider, category }] : [])),
    );
    silences.outages = await readOutages(ids, (id) => deps.store.getIncident(id));
  } catch (error) {
    log("reading provider incidents failed", { error: String(error) });
    return items.map((i) => i.message.id);
  }

  // Incidents are independent items: write them side by side.
  const touched: IncidentRecord[] = [];
  const written: Parameters<typeof contributions>[1] = [];
  await forEachLimit(groups, WRITE_CONCURRENCY, async (entry) => {
    try {
      const result = await applyGroup(deps, entry, reclaims, { token, now, silences });
      if (result.record) touched.push(result.record);
      if (result.written) written.push(result.written);
    } catch (error) {
      log("incident write failed", { incident: entry.group.incidentId, error: String(error) });
      for (const item of [...entry.items, ...entry.reclaims]) failed.add(item.message.id);
    }
  });

  // Then each provider incident the account incidents count toward, once per batch. Its count
  // is derived from theirs: a batch that fails here is retried, and finds its events counted.
  for (const [id, joining] of contributions(silences.outages, written)) {
    try {
      const record = await applyOutageWithRetry(deps.store, id, joining, token, now, silences);
      if (record) touched.push(record);
    } catch (error) {
      log("provider incident write failed", { incident: id, error: String(error) });
    }
  }

  for (const item of plan.resolving) {
    try {
      touched.push(...(await resolveFor(deps, item.event, token, now, silences)));
    } catch (error) {
      log("resolving failed", { messageId: item.message.id, error: String(error) });
      failed.add(item.message.id);
    }
  }

  const owners = new Set([token, ...earlierTokens]);
  try {
    await publishOutboxes(deps, touched, (n) => owners.has(n.owner) || isOrphaned(n, now));
  } catch (error) {
    // Every message of the batch is retried; the retry counts nothing twice and publishes again.
    log("publish failed", { error: String(error) });
    for (const item of items) failed.add(item.message.id);
  }

  return [...failed];
}

/** One optimistic write of a batch's events into their incident, retried on contention. */
async function applyGroup(
  deps: ProcessDeps,
  { group, reclaims: reclaimItems }: { group: EventGroup; reclaims: Item[] },
  earlier: Map<Item, { token: string; claimedAt: number }>,
  { token, now, silences }: { token: string; now: Date; silences: Silences },
): Promise<{
  record: IncidentRecord | undefined;
  written?: {
    before: IncidentRecord | undefined;
    after: IncidentRecord;
    events: IntegrationEvent[];
  };
}> {
  const reclaimed: IntegrationEvent[] = [];
  let unchecked = reclaimItems;
  return retryWrite(group.incidentId, async () => {
    const current = await deps.store.getIncident(group.incidentId);
    // An earlier attempt of the same message recorded these events but crashed before counting
    // them: its token is not among the incident's applied ones. Take them over and count them.
    for (const item of unchecked) {
      const previous = earlier.get(item);
      if (previous === undefined || wasApplied(current, previous.token, previous.claimedAt))
        continue;
      const key = { source: item.event.source, id: item.event.id };
      if (await deps.store.reclaimEvent(key, previous.token, token)) reclaimed.push(item.event);
    }
    unchecked = [];
    // Claimed all the same: a history event is never looked at again.
    const events = liveEvents(
      current,
      [...group.events, ...reclaimed],
      group.classification.alert,
      now,
    );
    if (events.length === 0) return { record: current };
    // Our write landed, but its answer was lost and the SDK's retry found the new version.
    if (current?.applied.some(([t]) => t === token)) return { record: current };
    const next = applyEvents(current, { ...group, events }, now, token, silences);
    if (!(await deps.store.saveIncident(next, current?.version))) return LOST;
    const record = { ...next, version: (current?.version ?? 0) + 1 };
    return { record, written: { before: current, after: record, events } };
  });
}

/** One conditional write of a batch's contributions into a provider incident, retried. */
async function applyOutageWithRetry(
  store: IncidentStore,
  id: string,
  joining: Contribution[],
  token: string,
  now: Date,
  silences: Silences,
): Promise<IncidentRecord | undefined> {
  return retryWrite(id, async () => {
    const current = await store.getIncident(id);
    if (current?.applied.some(([t]) => t === token)) return current;
    const next = applyOutage(current, id, joining, now, token, silences);
    if (!(await store.saveIncident(next, current?.version))) return LOST;
    return { ...next, version: (current?.version ?? 0) + 1 };
  });
}

/** Resolves the open incidents of the event's account that it speaks for (`resolutionFor`). */
async function resolveFor(
  deps: ProcessDeps,
  event: IntegrationEvent,
  token: string,
  now: Date,
  silences: Silences,
): Promise<IncidentRecord[]> {
  const open = await deps.store.openIncidentsForAccount(event.account.id);
  const teller = customerTeller(event, open, silences.mutes, now);
  const out: IncidentRecord[] = [];
  for (const incident of open) {
    const resolution = resolutionFor(event, incident);
    if (resolution === undefined) continue;
    const { record } = await resolveWithRetry(deps.store, incident.id, resolution, {
      token,
      now,
      silences,
      teller,
      at: event.occurred_at,
    });
    if (record) out.push(record);
  }
  return out;
}

/**
 * Resolves an incident with one conditional write, retried on contention. `stillDue` is checked
 * on every fresh read, so an event counted since the caller decided keeps the incident open.
 * `resolved` is true only when this call resolved it.
 */
export async function resolveWithRetry(
  store: IncidentStore,
  id: string,
  resolution: Resolution,
  {
    token,
    now,
    silences,
    teller,
    at,
  }: {
    token: string;
    now: Date;
    silences: Silences;
    /** customerTeller's */
    teller?: string;
    /** When the problem ended: a resolving event's own time (default now). */
    at?: string;
  },
  stillDue: (current: IncidentRecord) => boolean = () => true,
): Promise<{ record: IncidentRecord | undefined; resolved: boolean }> {
  const { record, changed } = await changeIncident(store, id, (current) =>
    stillDue(current)
      ? withCustomerTeller(
          resolveIncident(current, resolution, now, token, silences, undefined, at),
          teller,
          token,
        )
      : undefined,
  );
  return { record, resolved: changed };
}
