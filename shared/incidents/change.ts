import type { IncidentRecord, PendingNotice } from "./record.ts";
import { type AsyncPorts, ask, LOST, retrying, runAsync, type Sequence } from "./steps.ts";
import type { IncidentStore } from "./store.ts";

/** `record` is what is stored after the change; `changed` is true only when this write made it. */
export type Change = { record: IncidentRecord | undefined; changed: boolean };

/**
 * Reads an incident, decides its next state and writes it with one conditional write on the
 * version read; on contention, reads and decides again. `decide` returns undefined for "no
 * change" (or the incident is gone) and may throw to refuse. `publishable` picks the notices of
 * the new state this writer may publish with the write (`BatchPorts.save`).
 */
export function* change(
  id: string,
  decide: (current: IncidentRecord) => IncidentRecord | undefined,
  publishable: (next: IncidentRecord) => PendingNotice[] = () => [],
): Sequence<Change> {
  return yield* retrying(id, function* () {
    const current = yield* ask("read", id);
    if (!current) return { record: undefined, changed: false };
    const next = decide(current);
    if (!next) return { record: current, changed: false };
    const saved = yield* ask("save", next, current.version, publishable(next));
    return saved === LOST ? LOST : { record: saved, changed: true };
  });
}

/** `change` on an incident store, outside a batch (the API, the sweeper, reconnect clicks). */
export function changeIncident(
  store: IncidentStore,
  id: string,
  decide: (current: IncidentRecord) => IncidentRecord | undefined,
): Promise<Change> {
  return runAsync(change(id, decide), {
    ...storePorts(store),
    mutes: () => Promise.reject(new Error("changeIncident reads no mutes")),
    publish: () => Promise.reject(new Error("changeIncident publishes nothing")),
  });
}

/** What an incident store answers of `BatchPorts`: every conditional write is its own. */
export function storePorts(store: IncidentStore): Omit<AsyncPorts, "mutes" | "publish"> {
  return {
    claim: (key, claim) => store.claimEvent(key, claim),
    reclaim: (key, from, to) => store.reclaimEvent(key, from, to),
    read: (id) => store.getIncident(id),
    openForAccount: (accountId) => store.openIncidentsForAccount(accountId),
    save: async (record, expected) =>
      (await store.saveIncident(record, expected))
        ? { ...record, version: (expected ?? 0) + 1 }
        : LOST,
  };
}
