import { randomBytes } from "node:crypto";
import type { Classifier } from "../classify/classifier.ts";
import type { Clock } from "../clock.ts";
import { parseEvent } from "../events/parse-event.ts";
import type { QueueMessage } from "../events/queue.ts";
import { type Logger, silentLogger } from "../log.ts";
import { resolvedBy } from "./batch.ts";
import { type BatchMessage, processingSequence } from "./batch-sequence.ts";
import type { AlertBus } from "./bus.ts";
import { changeIncident, storePorts } from "./change.ts";
import type { Resolution } from "./incident.ts";
import type { MuteStore } from "./mute.ts";
import type { ReconnectLinks } from "./reconnect-links.ts";
import type { IncidentRecord, Silences } from "./record.ts";
import { runAsync } from "./steps.ts";
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

/**
 * One batch of queued messages (an id unique in the batch, and the event as its body) through
 * the processing sequence, with one conditional write per incident (DynamoDB). Returns the ids
 * of the messages whose work failed, to be delivered again; an id delivered again finds the work
 * its earlier attempt did (its claims carry the message id).
 */
export async function processBatch(messages: QueueMessage[], deps: ProcessDeps): Promise<string[]> {
  const log = deps.log ?? silentLogger;
  const now = deps.clock.now();
  const unreadable: string[] = [];
  const batch: BatchMessage[] = [];
  for (const message of messages) {
    try {
      batch.push({ id: message.id, event: parseEvent(JSON.parse(message.body)) });
    } catch (error) {
      // Ingest validated it; a body that fails now is kept for the dead-letter queue, not dropped.
      log.error("unreadable message", { messageId: message.id, error: String(error) });
      unreadable.push(message.id);
    }
  }
  const token = randomBytes(9).toString("base64url");
  const context = { classifier: deps.classifier, now, token, links: deps.links, log };
  const { failed } = await runAsync(processingSequence(batch, { ...context, atomic: false }), {
    ...storePorts(deps.store),
    mutes: () => deps.mutes.active(now),
    publish: (notices) => deps.bus.publish(notices),
  });
  return [...unreadable, ...failed];
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
  how: {
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
    stillDue(current) ? resolvedBy(current, resolution, how) : undefined,
  );
  return { record, resolved: changed };
}
