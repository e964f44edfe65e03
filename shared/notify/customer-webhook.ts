import type { Notice } from "../incidents/notice.ts";
import { sign } from "../standard-webhooks.ts";
import { DestinationUrlError, type HostLookup, validateDestinationUrl } from "./url-guard.ts";

/**
 * Delivers a notice to a customer's webhook, signed with Standard Webhooks. The webhook id is the
 * notice id, so a receiver can drop a redelivery. Redirects are not followed (they could lead
 * anywhere); the URL and its addresses are checked again before every attempt.
 */

export type WebhookDestination = { url: string; secret: string };

export type DeliveryResult =
  | { status: "delivered" }
  /** 410: the receiver says the endpoint is gone for good; the caller disables the destination. */
  | { status: "gone" }
  | { status: "failed"; reason: string };

export type DeliveryOptions = {
  allowLocal: boolean;
  timeoutMs?: number;
  attempts?: number;
  lookup?: HostLookup;
  /** First retry waits about this long, doubling each time, with jitter. */
  baseDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
};

const DEFAULTS = { timeoutMs: 5_000, attempts: 3, baseDelayMs: 250 } as const;

type Attempt = { done: DeliveryResult } | { retry: string };

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function backoff(retry: number, baseDelayMs: number): number {
  const delay = baseDelayMs * 2 ** (retry - 1);
  return delay / 2 + Math.random() * (delay / 2);
}

function failed(reason: string): { done: DeliveryResult } {
  return { done: { status: "failed", reason } };
}

async function post(
  url: URL,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<Attempt> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers,
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    if (error instanceof Error && error.name === "TimeoutError") {
      return { retry: `timed out after ${timeoutMs} ms` };
    }
    const cause =
      error instanceof Error ? (error.cause as { code?: string } | undefined) : undefined;
    return { retry: `network error${cause?.code ? ` (${cause.code})` : ""}` };
  }
  // The body is not needed; release the connection.
  await response.body?.cancel().catch(() => undefined);

  const status = response.status;
  if (status >= 200 && status < 300) return { done: { status: "delivered" } };
  if (status === 410) return { done: { status: "gone" } };
  if (status >= 300 && status < 400) return failed(`HTTP ${status}: redirects are not followed`);
  if (status === 408 || status === 429 || status >= 500) return { retry: `HTTP ${status}` };
  return failed(`HTTP ${status}`);
}

export async function deliverCustomerWebhook(
  destination: WebhookDestination,
  notice: Notice,
  options: DeliveryOptions,
): Promise<DeliveryResult> {
  const attempts = Math.max(1, options.attempts ?? DEFAULTS.attempts);
  const timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
  const baseDelayMs = options.baseDelayMs ?? DEFAULTS.baseDelayMs;
  const sleep = options.sleep ?? wait;
  const body = JSON.stringify(notice);
  let reason = "not attempted";

  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) await sleep(backoff(attempt - 1, baseDelayMs));

    let url: URL;
    try {
      url = await validateDestinationUrl(destination.url, {
        kind: "webhook",
        allowLocal: options.allowLocal,
        ...(options.lookup ? { lookup: options.lookup } : {}),
      });
    } catch (error) {
      if (!(error instanceof DestinationUrlError)) throw error;
      // DNS can fail for a moment; every other reason is the URL itself.
      if (error.reason === "unresolvable") {
        reason = `destination URL rejected: ${error.message}`;
        continue;
      }
      return {
        status: "failed",
        reason: `destination URL rejected (${error.reason}): ${error.message}`,
      };
    }

    let signature: ReturnType<typeof sign>;
    try {
      signature = sign(destination.secret, notice.id, body);
    } catch (error) {
      return { status: "failed", reason: `cannot sign: ${(error as Error).message}` };
    }

    const outcome = await post(
      url,
      body,
      { ...signature, "content-type": "application/json", "user-agent": "Quirkwatch-Webhooks/1" },
      timeoutMs,
    );
    if ("done" in outcome) return outcome.done;
    reason = outcome.retry;
  }
  return { status: "failed", reason: `${reason} (after ${attempts} attempts)` };
}
