import * as z from "zod/mini";

/**
 * Where the request-log poller stands, kept in the CursorStore as JSON. For each query:
 * every log before `cursor` was enqueued, as read at `read_at`. Logs are indexed late, so the
 * next read starts `overlap` before `read_at`, or at `cursor` when that is earlier (a run that
 * stopped before the end of its window carries on where it stopped).
 */

export const POLL_STATE_NAME = "stackone-request-logs";

const Iso = z.iso.datetime({ offset: true });
const QueryState = z.object({
  cursor: Iso,
  read_at: Iso,
  /**
   * Logs handled (enqueued, or found no problem; a detail fetched or not), as [request id, time],
   * while they may be read again (in the overlap): skipped then, so no detail is fetched twice
   * and nothing is enqueued twice. At most HANDLED_MAX, the newest (about 70 KB).
   */
  handled: z.optional(z.array(z.tuple([z.string(), Iso]))),
});
export type QueryState = z.infer<typeof QueryState>;

export const HANDLED_MAX = 1_000;

const PollStateSchema = z.object({
  queries: z.record(z.string(), QueryState),
  /** StackOne refused the key on the last poll: the next that works sends a recovery. */
  unreadable: z.optional(z.boolean()),
  /** A detail came without the bodies a rule needed: the next that has them sends a recovery. */
  advanced_logs_off: z.optional(z.boolean()),
});
export type PollState = z.infer<typeof PollStateSchema>;

/** The stored state; a missing or unreadable one is a fresh start (`corrupt` says which). */
export function readPollState(text: string | undefined): { state: PollState; corrupt: boolean } {
  if (text === undefined) return { state: { queries: {} }, corrupt: false };
  try {
    const parsed = PollStateSchema.safeParse(JSON.parse(text));
    if (parsed.success) return { state: parsed.data, corrupt: false };
  } catch {
    // Not JSON: start afresh, as below.
  }
  return { state: { queries: {} }, corrupt: true };
}

/** Where the next read of a query starts. */
export function windowStart(state: PollState, query: string, now: Date, overlapMs: number): Date {
  const known = state.queries[query];
  if (known === undefined) return new Date(now.getTime() - overlapMs);
  const lateSince = Date.parse(known.read_at) - overlapMs;
  return new Date(Math.min(Date.parse(known.cursor), lateSince));
}
