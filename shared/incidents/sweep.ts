import { randomBytes } from "node:crypto";
import { type Clock, epochOf } from "../clock.ts";
import { resolvedBy } from "./batch.ts";
import type { AlertBus } from "./bus.ts";
import { type Change, change, changeIncident, storePorts } from "./change.ts";
import type { MuteStore } from "./mute.ts";
import { releaseWithheld } from "./notice-decisions.ts";
import { outageOf } from "./outage-hold.ts";
import { isOrphaned, publishing } from "./outbox.ts";
import { countingRecoveries } from "./provider-incident.ts";
import type { ReconnectLinks } from "./reconnect-links.ts";
import { type IncidentRecord, type PendingNotice, quietUntil, type Silences } from "./record.ts";
import { ask, runAsync, type Sequence } from "./steps.ts";
import type { IncidentStore } from "./store.ts";

export type SweepDeps = {
  store: IncidentStore;
  mutes: MuteStore;
  bus: AlertBus;
  links?: ReconnectLinks;
  clock: Clock;
};

export type SweepResult = { resolved: number; released: number; published: number };

/** How many due incidents one run looks at; the rest wait for the next run. */
export const SWEEP_PAGE = 500;

/** The sweeper on an incident store and a bus, one conditional write per change (`sweeping`). */
export async function sweep(deps: SweepDeps): Promise<SweepResult> {
  const now = deps.clock.now();
  const due = await deps.store.dueIncidents(epochOf(now), SWEEP_PAGE);
  let published = 0;
  const token = randomBytes(9).toString("base64url");
  const result = await runAsync(sweeping(due, { now, token, links: deps.links }), {
    ...storePorts(deps.store),
    mutes: () => deps.mutes.active(now),
    publish: (notices) => {
      published += notices.length;
      return deps.bus.publish(notices);
    },
  });
  return { ...result, published };
}

/**
 * Resolves incidents that have been quiet longer than their rule allows (firing ones get one
 * resolved notice; pending ones go quietly), sends what a mute withheld once it has ended, and
 * publishes notices whose writer died. `due`: the incidents whose `due_at` has come; each is
 * read again before it changes. A sequence (steps.ts), so that the single node runs it in one
 * transaction, where a notice goes out with the write that decides it.
 */
export function* sweeping(
  due: IncidentRecord[],
  { now, token, links }: { now: Date; token: string; links?: ReconnectLinks },
): Sequence<Omit<SweepResult, "published">> {
  const nowEpoch = epochOf(now);
  // The provider incidents that may hold back the due account incidents' notices.
  const outages = new Map<string, IncidentRecord | undefined>();
  for (const id of new Set(due.flatMap((r) => outageOf(r) ?? [])))
    outages.set(id, yield* ask("read", id));
  const silences: Silences = { mutes: yield* ask("mutes"), outages };
  const mine = (n: PendingNotice) => n.owner === token || isOrphaned(n, now);
  const publishable = (r: IncidentRecord) => r.outbox.filter(mine);
  const how = { token, now, silences };

  const records: IncidentRecord[] = [];
  const recovered: IncidentRecord[] = [];
  let resolved = 0;
  let released = 0;
  for (const incident of due) {
    const quiet = (r: IncidentRecord) => r.status !== "resolved" && quietUntil(r) <= nowEpoch;
    let result: Change | undefined;
    if (quiet(incident)) {
      // Checked again on the fresh read: an event counted since keeps it open.
      result = yield* change(
        incident.id,
        (current) => (quiet(current) ? resolvedBy(current, "quiet", how) : undefined),
        publishable,
      );
      if (result.changed) resolved += 1;
      if (result.changed && result.record) recovered.push(result.record);
    } else if (incident.withheld && incident.withheld.until <= nowEpoch) {
      result = yield* change(
        incident.id,
        (current) => releaseWithheld(current, now, token, silences),
        publishable,
      );
      if (result.changed) released += 1;
    }
    const record = result ? result.record : incident;
    if (record) records.push(record);
  }
  // Provider incidents most of whose accounts have recovered resolve now.
  records.push(...(yield* countingRecoveries(recovered, how, publishable)));
  yield* publishing(records, mine, links);
  return { resolved, released };
}

/** Sends what a mute withheld if no mute holds the incident now, with one conditional write. */
export function releaseWithRetry(
  store: IncidentStore,
  id: string,
  { token, now, silences }: { token: string; now: Date; silences: Silences },
) {
  return changeIncident(store, id, (current) => releaseWithheld(current, now, token, silences));
}
