import { forEachLimit } from "../concurrency.ts";
import { RetriesExhausted, type RetryPolicy, retry } from "../retry.ts";
import type { Mute } from "./mute.ts";
import type { Notice } from "./notice.ts";
import type { IncidentRecord, PendingNotice } from "./record.ts";
import type { Claim, EventKey } from "./store.ts";

/**
 * What the sequences of incidents ask of an engine (a batch's, batch-sequence.ts; the sweeper's;
 * one `change`; `publishing`), and the two interpreters that answer them.
 *
 * Why generators: the single node processes a batch inside one better-sqlite3 transaction, which
 * must be synchronous; Lambda processes it against DynamoDB, whose every call is awaited. So the
 * sequence is written once as a generator that yields its requests (`yield* ask("read", id)`)
 * and gets the answers back: `runSync` answers inside the transaction, `runAsync` with awaited
 * calls, concurrent where the sequence allows (`all`) and retried on contention (`retrying`).
 * Read a sequence as ordinary code in which `yield*` marks each call to the engine.
 */

/** What one engine answers, synchronously (SQLite in a transaction) or awaited (`AsyncPorts`). */
export interface BatchPorts {
  /** Records an event id once; a second claim of it is a duplicate (saying who claimed it). */
  claim(key: EventKey, claim: { token: string; message_id: string }): Claim;
  /** Moves a claim from an earlier attempt's token to this one; false when it is not `from`'s. */
  reclaim(key: EventKey, from: string, to: string): boolean;
  read(id: string): IncidentRecord | undefined;
  /** Every open incident of one customer account. */
  openForAccount(accountId: string): IncidentRecord[];
  /** The matcher mutes active now. */
  mutes(): readonly Mute[];
  /**
   * Writes the record if nobody wrote it since `expected` (undefined: it must be new) and
   * returns it as stored, or LOST. `publishable` are its outbox notices this writer may publish:
   * an engine that can commit a publish with the write (SQLite) publishes them now and stores
   * the record without them; the other (DynamoDB) leaves them for the batch's `publish`.
   */
  save(
    record: IncidentRecord,
    expected: number | undefined,
    publishable: PendingNotice[],
  ): IncidentRecord | typeof LOST;
  /** Puts notices on the bus; resolves once every one is taken. */
  publish(notices: Notice[]): void;
}

export type AsyncPorts = {
  [K in keyof BatchPorts]: (
    ...args: Parameters<BatchPorts[K]>
  ) => Promise<Awaited<ReturnType<BatchPorts[K]>>>;
};

/** What a conditional write returns when another writer won: read, decide and write again. */
export const LOST: unique symbol = Symbol("lost");

type Ask = {
  [K in keyof BatchPorts]: { port: K; args: Parameters<BatchPorts[K]> };
}[keyof BatchPorts];

type Request =
  | Ask
  /** Runs the sequences side by side (at most `limit` at once); answers their results, in order. */
  | { control: "all"; tasks: Sequence<unknown>[]; limit: number }
  /** Runs `attempt` again while it returns LOST (on a synchronous engine nobody else writes). */
  | { control: "retrying"; id: string; attempt: () => Sequence<unknown> };

/** A sequence of requests to an engine, returning `T`. */
export type Sequence<T> = Generator<Request, T, unknown>;

/** One request to the engine, answered with what the port returns. */
export function* ask<K extends keyof BatchPorts>(
  port: K,
  ...args: Parameters<BatchPorts[K]>
): Sequence<ReturnType<BatchPorts[K]>> {
  return (yield { port, args } as Ask) as ReturnType<BatchPorts[K]>;
}

export function* all<T>(tasks: Sequence<T>[], limit: number): Sequence<T[]> {
  return (yield { control: "all", tasks, limit }) as T[];
}

export function* retrying<T>(id: string, attempt: () => Sequence<T | typeof LOST>): Sequence<T> {
  return (yield { control: "retrying", id, attempt }) as T;
}

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

class WriteLost extends Error {
  override name = "WriteLost";
}

/**
 * Runs a sequence to its end with synchronous ports, inside one transaction. A port that throws
 * ends the whole sequence at once (never caught inside it): the engine may have rolled the
 * transaction back already (a full disk), so nothing may run after it; the caller retries.
 */
export function runSync<T>(sequence: Sequence<T>, ports: BatchPorts): T {
  let step = sequence.next();
  while (!step.done) {
    const request = step.value;
    let result: unknown;
    if ("port" in request)
      result = (ports[request.port] as (...args: unknown[]) => unknown)(...request.args);
    else if (request.control === "all") result = request.tasks.map((task) => runSync(task, ports));
    else {
      result = runSync(request.attempt(), ports);
      // In one transaction nobody else writes: a lost write cannot be contention.
      if (result === LOST) throw new IncidentContended(request.id);
    }
    step = sequence.next(result);
  }
  return step.value;
}

/**
 * Runs a sequence to its end with awaited ports (DynamoDB's conditional writes). A port that
 * throws throws at the sequence's `yield*`, so it can fail only the messages concerned.
 */
export async function runAsync<T>(sequence: Sequence<T>, ports: AsyncPorts): Promise<T> {
  const answer = async (request: Request): Promise<unknown> => {
    if ("port" in request)
      return (ports[request.port] as (...args: unknown[]) => Promise<unknown>)(...request.args);
    if (request.control === "all") {
      const results: unknown[] = [];
      const indexed = request.tasks.map((task, i) => ({ task, i }));
      await forEachLimit(indexed, request.limit, async ({ task, i }) => {
        results[i] = await runAsync(task, ports);
      });
      return results;
    }
    return retryWrite(request.id, () => runAsync(request.attempt(), ports));
  };
  let step = sequence.next();
  while (!step.done) {
    let result: unknown;
    try {
      result = await answer(step.value);
    } catch (error) {
      step = sequence.throw(error);
      continue;
    }
    step = sequence.next(result);
  }
  return step.value;
}

/**
 * Runs `attempt` (one read, decision and conditional write of incident `id`) until it does not
 * return LOST; throws IncidentContended once WRITE_RETRY is spent.
 */
async function retryWrite<T>(id: string, attempt: () => Promise<T | typeof LOST>): Promise<T> {
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
