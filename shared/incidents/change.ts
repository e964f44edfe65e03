import type { IncidentRecord } from "./record.ts";
import type { IncidentStore } from "./store.ts";

/** Optimistic writes retry this often on contention before giving up for now. */
export const MAX_WRITE_ATTEMPTS = 20;

/** Thrown when other writers kept winning: the caller retries later. */
export class IncidentContended extends Error {
  override name = "IncidentContended";
  constructor(id: string) {
    super(`incident ${id} is contended; retrying later`);
  }
}

/**
 * Reads an incident, decides its next state and writes it with one conditional write on the
 * version read; on contention, reads and decides again. `decide` returns undefined for "no
 * change" (or the incident is gone) and may throw to refuse. `record` is what is stored after
 * the call; `changed` is true only when this call wrote it.
 */
export async function changeIncident(
  store: IncidentStore,
  id: string,
  decide: (current: IncidentRecord) => IncidentRecord | undefined,
): Promise<{ record: IncidentRecord | undefined; changed: boolean }> {
  for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
    const current = await store.getIncident(id);
    if (!current) return { record: undefined, changed: false };
    const next = decide(current);
    if (!next) return { record: current, changed: false };
    if (await store.saveIncident(next, current.version))
      return { record: { ...next, version: current.version + 1 }, changed: true };
  }
  throw new IncidentContended(id);
}
