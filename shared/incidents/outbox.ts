import type { AlertBus } from "./bus.ts";
import { change, storePorts } from "./change.ts";
import type { Notice } from "./notice.ts";
import { toNotice } from "./notice-decisions.ts";
import type { ReconnectLinks } from "./reconnect-links.ts";
import { withLinkSent } from "./reconnect-trail.ts";
import type { IncidentRecord, PendingNotice } from "./record.ts";
import { withoutNotices } from "./state-changes.ts";
import { ask, IncidentContended, runAsync, type Sequence } from "./steps.ts";
import type { IncidentStore } from "./store.ts";

/**
 * Publishing the notices incidents owe: first on the bus, then out of the outbox, so a crash in
 * between repeats a notice and never loses one. The batch sequence publishes its own (on SQLite
 * in the same transaction as the write that decided them); the sweeper what a writer left behind.
 */

/** A notice still in the outbox this long after it was decided has lost its owner: publish it. */
export const ORPHANED_NOTICE_SECONDS = 60;

export const isOrphaned = (n: PendingNotice, now: Date) =>
  now.getTime() - new Date(n.created_at).getTime() >= ORPHANED_NOTICE_SECONDS * 1000;

/** The record once `published` (notices of it, or of several incidents) are out. */
export function afterPublishing(record: IncidentRecord, published: Notice[]): IncidentRecord {
  return withLinkSent(withoutNotices(record, new Set(published.map((n) => n.id))), published);
}

/**
 * Publishes the chosen outbox notices, then removes them from the outbox. A crash between the
 * two publishes them again later: a notice may be repeated, never lost. `records` may hold
 * several copies of one incident (a batch that counted into it, then resolved it): each notice
 * goes once, as its first copy tells it.
 */
export function* publishing(
  records: IncidentRecord[],
  mine: (n: PendingNotice) => boolean,
  links: ReconnectLinks | undefined,
): Sequence<Notice[]> {
  const chosen = new Map<string, { record: IncidentRecord; pending: PendingNotice }>();
  for (const record of records)
    for (const pending of record.outbox)
      if (mine(pending) && !chosen.has(pending.id)) chosen.set(pending.id, { record, pending });
  if (chosen.size === 0) return [];
  const notices = [...chosen.values()].map(({ record, pending }) =>
    toNotice(record, pending, links),
  );
  yield* ask("publish", notices);
  const published = new Set(chosen.keys());
  for (const id of new Set(notices.map((n) => n.incident.id))) {
    try {
      yield* change(id, (current) =>
        current.outbox.some((n) => published.has(n.id))
          ? afterPublishing(current, notices)
          : undefined,
      );
    } catch (error) {
      // Left in the outbox, they are published again later: repeated, never lost.
      if (!(error instanceof IncidentContended)) throw error;
    }
  }
  return notices;
}

/** `publishing` on an incident store and a bus (the sweeper, the API). */
export function publishOutboxes(
  deps: { store: IncidentStore; bus: AlertBus; links?: ReconnectLinks },
  records: IncidentRecord[],
  mine: (n: PendingNotice) => boolean,
): Promise<Notice[]> {
  return runAsync(publishing(records, mine, deps.links), {
    ...storePorts(deps.store),
    mutes: () => Promise.reject(new Error("publishing reads no mutes")),
    publish: (notices) => deps.bus.publish(notices),
  });
}
