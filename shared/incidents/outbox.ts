import type { AlertBus } from "./bus.ts";
import { changeIncident, IncidentContended } from "./change.ts";
import type { Notice } from "./notice.ts";
import { toNotice } from "./notice-decisions.ts";
import type { ReconnectLinks } from "./reconnect-links.ts";
import { withLinkSent } from "./reconnect-trail.ts";
import type { IncidentRecord, PendingNotice } from "./record.ts";
import { withoutNotices } from "./state-changes.ts";
import type { IncidentStore } from "./store.ts";

/**
 * Publishing the notices incidents owe: first on the bus, then out of the outbox, so a crash in
 * between repeats a notice and never loses one. Each engine's processor publishes its own; the
 * sweeper what a writer left behind.
 */

/** A notice still in the outbox this long after it was decided has lost its owner: publish it. */
export const ORPHANED_NOTICE_SECONDS = 60;

export const isOrphaned = (n: PendingNotice, now: Date) =>
  now.getTime() - new Date(n.created_at).getTime() >= ORPHANED_NOTICE_SECONDS * 1000;

/**
 * Publishes the chosen outbox notices, then removes them from the outbox. A crash between the
 * two publishes them again later: a notice may be repeated, never lost.
 */
export async function publishOutboxes(
  deps: { store: IncidentStore; bus: AlertBus; links?: ReconnectLinks },
  records: IncidentRecord[],
  mine: (n: PendingNotice) => boolean,
): Promise<Notice[]> {
  const chosen = records.flatMap((record) =>
    record.outbox.filter(mine).map((pending) => ({ record, pending })),
  );
  if (chosen.length === 0) return [];
  const notices = chosen.map(({ record, pending }) => toNotice(record, pending, deps.links));
  await deps.bus.publish(notices);
  for (const record of new Set(chosen.map((c) => c.record))) {
    await clearOutbox(deps.store, record.id, notices);
  }
  return notices;
}

async function clearOutbox(store: IncidentStore, id: string, notices: Notice[]) {
  const published = new Set(notices.map((n) => n.id));
  try {
    await changeIncident(store, id, (current) =>
      current.outbox.some((n) => published.has(n.id))
        ? withLinkSent(withoutNotices(current, published), notices)
        : undefined,
    );
  } catch (error) {
    // Left in the outbox, they are published again later: repeated, never lost.
    if (!(error instanceof IncidentContended)) throw error;
  }
}
