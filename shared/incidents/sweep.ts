import { randomBytes } from "node:crypto";
import type { Clock } from "../clock.ts";
import type { AlertBus } from "./bus.ts";
import { changeIncident } from "./change.ts";
import type { MuteStore } from "./mute.ts";
import { releaseWithheld } from "./notice-decisions.ts";
import { outageOf } from "./outage-hold.ts";
import { isOrphaned, publishOutboxes } from "./outbox.ts";
import { resolveWithRetry } from "./process.ts";
import { countRecoveries, readOutages } from "./provider-incident.ts";
import type { ReconnectLinks } from "./reconnect-links.ts";
import { type IncidentRecord, quietUntil, type Silences } from "./record.ts";
import type { IncidentStore } from "./store.ts";

export type SweepDeps = {
  store: IncidentStore;
  mutes: MuteStore;
  bus: AlertBus;
  links?: ReconnectLinks;
  clock: Clock;
};

/** How many due incidents one run looks at; the rest wait for the next run. */
const PAGE = 500;

/**
 * Resolves incidents that have been quiet longer than their rule allows (firing ones get one
 * resolved notice; pending ones go quietly), sends what a mute withheld once it has ended, and
 * publishes notices whose writer died.
 */
export async function sweep(
  deps: SweepDeps,
): Promise<{ resolved: number; released: number; published: number }> {
  const now = deps.clock.now();
  const nowEpoch = Math.floor(now.getTime() / 1000);
  const token = randomBytes(9).toString("base64url");
  const due = await deps.store.dueIncidents(nowEpoch, PAGE);
  // The provider incidents that may hold back the due account incidents' notices.
  const ids = new Set(due.flatMap((r) => outageOf(r) ?? []));
  const outages = await readOutages([...ids], (id) => deps.store.getIncident(id));
  const context = { token, now, silences: { mutes: await deps.mutes.active(now), outages } };
  const records: IncidentRecord[] = [];
  const recovered: IncidentRecord[] = [];
  let resolved = 0;
  let released = 0;
  for (const incident of due) {
    const quiet = (r: IncidentRecord) => r.status !== "resolved" && quietUntil(r) <= nowEpoch;
    if (quiet(incident)) {
      const result = await resolveWithRetry(deps.store, incident.id, "quiet", context, quiet);
      if (result.resolved) resolved += 1;
      if (result.record) records.push(result.record);
      if (result.resolved && result.record) recovered.push(result.record);
    } else if (incident.withheld && incident.withheld.until <= nowEpoch) {
      const result = await releaseWithRetry(deps.store, incident.id, context);
      if (result.changed) released += 1;
      if (result.record) records.push(result.record);
    } else {
      records.push(incident);
    }
  }
  // Provider incidents most of whose accounts have recovered resolve now.
  records.push(...(await countRecoveries(deps.store, recovered, context)));
  const published = await publishOutboxes(
    deps,
    records,
    (n) => n.owner === token || isOrphaned(n, now),
  );
  return { resolved, released, published: published.length };
}

/** Sends what a mute withheld if no mute holds the incident now, with one conditional write. */
export function releaseWithRetry(
  store: IncidentStore,
  id: string,
  { token, now, silences }: { token: string; now: Date; silences: Silences },
) {
  return changeIncident(store, id, (current) => releaseWithheld(current, now, token, silences));
}
