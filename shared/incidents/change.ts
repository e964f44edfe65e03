import { RetriesExhausted, type RetryPolicy, retry } from "../retry.ts";
import type { IncidentRecord } from "./record.ts";
import type { IncidentStore } from "./store.ts";

/**
 * Optimistic writes: read, decide, write on the version read; when another writer won, read and
 * decide again, after a short backoff so the writers spread out. This often before giving up.
 */
export const WRITE_RETRY: RetryPolicy = { attempts: 20, baseMs: 5, maxMs: 100 };

/** Thrown when other writers kept winning: the caller retries later. */
export class IncidentContended extends Error {
  override name = "IncidentContended";
  constructor(id: string) {
    super(`incident ${id} is contended; retrying later`);
  }
}

/** What an attempt returns when its conditional write lost to another writer. */
export const LOST: unique symbol = Symbol("lost");

class WriteLost extends Error {
  override name = "WriteLost";
}

/**
 * Runs `attempt` (one read, decision and conditional write of incident `id`) until it does not
 * return `LOST`; throws IncidentContended once WRITE_RETRY is spent.
 */
export async function retryWrite<T>(
  id: string,
  attempt: () => Promise<T | typeof LOST>,
): Promise<T> {
  try {
    return await retry(
      async () => {
        const result = await attempt();
        if (result === LOST) throw new WriteLost();
        return result;
      },
      WRITE_RETRY,
      { retryable: (error) => error instanceof WriteLost },
    );
  } catch (error) {
    throw error instanceof RetriesExhausted ? new IncidentContended(id) : error;
  }
}

/**
 * Reads an incident, decides its next state and writes it with one conditional write on the
 * version read; on contention, reads and decides again. `decide` returns undefined for "no
 * change" (or the incident is gone) and may throw to refuse. `record` is what is stored after
 * the call; `changed` is true only when this call wrote it.
 */
export function changeIncident(
  store: IncidentStore,
  id: string,
  decide: (current: IncidentRecord) => IncidentRecord | undefined,
): Promise<{ record: IncidentRecord | undefined; changed: boolean }> {
  return retryWrite(id, async () => {
    const current = await store.getIncident(id);
    if (!current) return { record: undefined, changed: false };
    const next = decide(current);
    if (!next) return { record: current, changed: false };
    if (!(await store.saveIncident(next, current.version))) return LOST;
    return { record: { ...next, version: current.version + 1 }, changed: true };
  });
}
