import type { Classifier } from "../classify/classifier.ts";
import type { IntegrationEvent } from "../events/event.ts";
import { type Logger, silentLogger } from "../log.ts";
import { processingSequence } from "./batch-sequence.ts";
import type { Mute } from "./mute.ts";
import type { Notice } from "./notice.ts";
import { toNotice } from "./notice-decisions.ts";
import { afterPublishing } from "./outbox.ts";
import type { ReconnectLinks } from "./reconnect-links.ts";
import type { IncidentRecord } from "./record.ts";
import { type BatchPorts, runSync } from "./steps.ts";
import type { EventKey } from "./store.ts";
import { type SweepResult, sweeping } from "./sweep.ts";

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

export type BatchOutcome = { counted: number; duplicates: number };

/**
 * One batch of queued events through the processing sequence, in one transaction. Exactly once
 * comes from the transaction: a crash before commit leaves the events queued and nothing
 * claimed, and a notice is put in the outbox by the very write that takes it out of its
 * incident's (one write per incident). Throws on any failure: the caller rolls back.
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
    log?: Logger;
  },
): BatchOutcome {
  const messages = events.map((event, i) => ({ id: String(i), event }));
  const context = { ...deps, log: deps.log ?? silentLogger, atomic: true };
  const result = runSync(processingSequence(messages, context), transactionPorts(tx, deps));
  // A decision that threw: nothing of the batch may commit without it.
  if (result.errors.length > 0) throw result.errors[0];
  return { counted: result.claimed, duplicates: result.duplicates };
}

/**
 * One run of the sweeper (`sweeping`) in one transaction: a notice it releases or decides goes
 * to the outbox with the write that decides it. `due`: the incidents due now, read before.
 */
export function sweepInTransaction(
  due: IncidentRecord[],
  tx: BatchTransaction,
  deps: { now: Date; token: string; mutes: readonly Mute[]; links?: ReconnectLinks },
): SweepResult {
  let published = 0;
  const ports = transactionPorts(tx, deps, (n) => {
    published += n;
  });
  return { ...runSync(sweeping(due, deps), ports), published };
}

/** The ports of a sequence inside the transaction; `sent` hears how many notices went out. */
function transactionPorts(
  tx: BatchTransaction,
  deps: { mutes: readonly Mute[]; links?: ReconnectLinks },
  sent: (notices: number) => void = () => {},
): BatchPorts {
  const publish = (notices: Notice[]) => {
    tx.publish(notices);
    sent(notices.length);
  };
  return {
    claim: (key) => (tx.claim(key) ? { status: "claimed" } : { status: "duplicate" }),
    // Claims commit with their counts: no earlier attempt left one uncounted.
    reclaim: () => false,
    read: (id) => tx.getIncident(id),
    openForAccount: (accountId) => tx.openIncidentsForAccount(accountId),
    mutes: () => deps.mutes,
    // The notices go out in the write that takes them out of the outbox: one write, once.
    save: (record, expected, publishable) => {
      const notices = publishable.map((pending) => toNotice(record, pending, deps.links));
      if (notices.length > 0) publish(notices);
      const stored = notices.length > 0 ? afterPublishing(record, notices) : record;
      tx.saveIncident(stored, expected);
      return { ...stored, version: (expected ?? 0) + 1 };
    },
    publish,
  };
}
