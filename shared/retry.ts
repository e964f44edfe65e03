/**
 * The one way Quirkwatch tries something again: `retry(fn, policy)`. The AWS adapters (SQS, SNS),
 * the StackOne client, the delivery retry stage and the optimistic writes all go through it, so
 * every loop has the same backoff, the same bound on attempts and the same deadline.
 */

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The wait before retry number `retry` (1 for the first): exponential from `baseMs`, capped at
 * `maxMs`, with equal jitter (between half and all of the step), so many senders retrying at
 * once spread out, yet none retries immediately.
 */
export function backoff(retry: number, baseMs: number, maxMs = Number.POSITIVE_INFINITY): number {
  const step = Math.min(maxMs, baseMs * 2 ** (Math.max(1, retry) - 1));
  return Math.round(step / 2 + Math.random() * (step / 2));
}

/**
 * A `Retry-After` value in seconds: it is seconds or an HTTP date. Capped at a day; undefined
 * when it is neither.
 */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Math.min(Number(text), 86_400);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.min(Math.max(0, (at - now) / 1000), 86_400);
}

export type RetryPolicy = {
  /** Tries at the most, the first included. */
  attempts: number;
  /** The first retry waits about this long (`backoff`), doubling each time. */
  baseMs: number;
  /** No backoff step is longer than this. */
  maxMs?: number;
  /**
   * Milliseconds from the first try: no wait is begun that would end after it, so the last try
   * starts before it. Unset: only `attempts` bounds the loop.
   */
  deadlineMs?: number;
};

/**
 * How a client that retries is tuned: its policy, any field of it replaced (a test's fewer
 * attempts), and how it waits (a test's no wait).
 */
export type RetrySettings = {
  policy?: Partial<RetryPolicy>;
  sleep?: (ms: number) => Promise<void>;
};

export type RetryOptions = {
  /** Whether a failure is worth another try. Default: every error but `GiveUp`. */
  retryable?: (error: unknown) => boolean;
  /** Told before each wait (for a log line or a metric). */
  onRetry?: (retry: { attempt: number; error: unknown; waitMs: number }) => void;
  sleep?: (ms: number) => Promise<void>;
  /** Epoch milliseconds; the deadline is measured with it. */
  now?: () => number;
};

/** Thrown by a try to be tried again after `retryAfterMs` (a server's Retry-After) if given. */
export class RetryLater extends Error {
  override name = "RetryLater";
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** Thrown by a try that will fail the same way every time: `retry` stops at once. */
export class GiveUp extends Error {
  override name = "GiveUp";
}

/**
 * Thrown when the attempts or the deadline ran out: the last failure is its `cause`, and its
 * message, with how many tries were made.
 */
export class RetriesExhausted extends Error {
  override name = "RetriesExhausted";
  constructor(
    readonly attempts: number,
    override readonly cause: unknown,
  ) {
    super(`${cause instanceof Error ? cause.message : String(cause)} (after ${attempts} attempts)`);
  }
}

const worthRetrying = (error: unknown) => !(error instanceof GiveUp);

/**
 * Runs `fn` (given the attempt number, 1 for the first) until it resolves; a failure is tried
 * again after `backoff` (or the failure's own `retryAfterMs`) while the policy allows. A failure
 * that is not `retryable` is thrown as it is, at once; when attempts or time run out,
 * `RetriesExhausted` is thrown.
 */
export async function retry<T>(
  fn: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  options: RetryOptions = {},
): Promise<T> {
  const now = options.now ?? Date.now;
  const wait = options.sleep ?? sleep;
  const retryable = options.retryable ?? worthRetrying;
  const attempts = Math.max(1, Math.floor(policy.attempts));
  const endsAt = policy.deadlineMs === undefined ? undefined : now() + policy.deadlineMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (!retryable(error)) throw error;
      if (attempt >= attempts) throw new RetriesExhausted(attempt, error);
      const asked = error instanceof RetryLater ? error.retryAfterMs : undefined;
      const waitMs = Math.max(0, asked ?? backoff(attempt, policy.baseMs, policy.maxMs));
      if (endsAt !== undefined && now() + waitMs >= endsAt) {
        throw new RetriesExhausted(attempt, error);
      }
      options.onRetry?.({ attempt, error, waitMs });
      await wait(waitMs);
    }
  }
}

/** A try that did not work: the error its caller should see, and whether another may do better. */
export type Failure = { error: Error; retry: boolean; retryInMs?: number };

/**
 * `retry` for a call that answers a value or a `Failure` (an HTTP client's): worth-retrying
 * failures are tried again (after `retryInMs` when the server said so), and what the caller
 * finally sees is the last failure's own error, never a wrapper.
 */
export async function retryCall<T>(
  call: () => Promise<{ value: T } | Failure>,
  policy: RetryPolicy,
  options: Omit<RetryOptions, "retryable"> = {},
): Promise<T> {
  let last: Error | undefined;
  try {
    return await retry(
      async () => {
        last = undefined;
        const outcome = await call();
        if ("value" in outcome) return outcome.value;
        last = outcome.error;
        throw outcome.retry
          ? new RetryLater(outcome.error.message, outcome.retryInMs)
          : new GiveUp(outcome.error.message);
      },
      policy,
      options,
    );
  } catch (error) {
    throw last ?? error;
  }
}
