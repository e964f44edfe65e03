/** The one retry timing every retry loop uses: the AWS adapters, notifiers and local delivery. */

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
