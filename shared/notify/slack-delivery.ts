import { sleep } from "../retry.ts";
import type { SlackMessage, SlackResponseMessage } from "./slack.ts";

/**
 * Posts messages to Slack incoming webhooks, one attempt each, at most one a second per webhook,
 * telling apart what Slack says is worth retrying (alerting-facts.md), what will never work (the
 * webhook or channel is gone) and what this message cannot do. Retrying is the caller's: the
 * delivery retry stage (retry-stage.ts), or the digest's next minute.
 */

export type SlackPostResult =
  | { status: "delivered" }
  /** Slack said this destination will never work (400, 403, 404, 410): stop sending to it. */
  | { status: "broken"; reason: string }
  /** Not delivered. `retryable`: worth trying again, after `retryAfterMs` when Slack said so. */
  | { status: "failed"; reason: string; retryable: boolean; retryAfterMs?: number };

export type SlackPosterOptions = {
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /** Epoch milliseconds. */
  now?: () => number;
  timeoutMs?: number;
  /** Slack allows about one message a second per webhook. */
  minIntervalMs?: number;
};

const DEFAULTS = { timeoutMs: 5_000, minIntervalMs: 1_000 };
const PERMANENT = new Set([400, 403, 404, 410]);

/** Slack sends `Retry-After` in seconds; a missing or odd value means one second. */
export function retryAfterMs(header: string | null): number {
  const seconds = header === null ? Number.NaN : Number(header.trim());
  return Number.isFinite(seconds) && seconds >= 0 ? Math.ceil(seconds * 1000) : 1_000;
}

/**
 * Slack's documented error words (plain-text bodies, alerting-facts.md). Only these are
 * repeated: anything else a destination answers is not ours to show or store.
 */
const SLACK_ERRORS = new Set([
  "invalid_payload",
  "no_text",
  "action_prohibited",
  "invalid_token",
  "channel_not_found",
  "no_service",
  "no_service_id",
  "no_team",
  "team_disabled",
  "channel_is_archived",
  "rollup_error",
  "posting_to_general_channel_denied",
  "too_many_attachments",
  "msg_too_long",
  "msg_blocks_too_long",
]);
/** Enough for any of Slack's error words; the rest of a body is never read. */
const ERROR_READ_BYTES = 64;

/** Slack's error word (`no_service`), or "" when the answer is anything else. */
async function errorText(response: Response): Promise<string> {
  let text = "";
  try {
    const reader = response.body?.getReader();
    const first = reader ? await reader.read() : undefined;
    await reader?.cancel();
    text = Buffer.from(first?.value ?? [])
      .subarray(0, ERROR_READ_BYTES)
      .toString("utf8")
      .trim();
  } catch {
    return "";
  }
  return SLACK_ERRORS.has(text) ? text : "";
}

export class SlackPoster {
  private readonly fetch: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly options: typeof DEFAULTS;
  /** When each webhook was last sent to; kept as long as the poster (warm Lambdas too). */
  private readonly lastSent = new Map<string, number>();
  /** Posts to one webhook run one after another, so pacing holds under concurrency. */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(options: SlackPosterOptions = {}) {
    this.fetch = options.fetch ?? globalThis.fetch;
    this.sleep = options.sleep ?? sleep;
    this.now = options.now ?? Date.now;
    this.options = {
      timeoutMs: options.timeoutMs ?? DEFAULTS.timeoutMs,
      minIntervalMs: options.minIntervalMs ?? DEFAULTS.minIntervalMs,
    };
  }

  /** How long one attempt may take. */
  get timeoutMs(): number {
    return this.options.timeoutMs;
  }

  /** Posts `message` to `url` once; never throws for anything Slack or the network does. */
  post(url: string, message: SlackMessage | SlackResponseMessage): Promise<SlackPostResult> {
    const previous = this.queues.get(url) ?? Promise.resolve();
    const result = previous.then(async () => {
      await this.pace(url);
      return this.attempt(url, JSON.stringify(message));
    });
    const settled = result.catch(() => undefined);
    this.queues.set(url, settled);
    // Forget an idle webhook's queue, so the map does not grow with every URL ever seen.
    void settled.then(() => {
      if (this.queues.get(url) === settled) this.queues.delete(url);
    });
    return result;
  }

  /** Waits until a second has passed since the last post to this webhook. */
  private async pace(url: string): Promise<void> {
    const last = this.lastSent.get(url);
    if (last !== undefined) {
      const waitMs = last + this.options.minIntervalMs - this.now();
      if (waitMs > 0) await this.sleep(waitMs);
    }
    this.lastSent.set(url, this.now());
  }

  private async attempt(url: string, body: string): Promise<SlackPostResult> {
    let response: Response;
    try {
      response = await this.fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json; charset=utf-8" },
        body,
        redirect: "manual",
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      if (error instanceof Error && error.name === "TimeoutError") {
        return retryable(`timed out after ${this.options.timeoutMs} ms`);
      }
      const cause =
        error instanceof Error ? (error.cause as { code?: string } | undefined) : undefined;
      return retryable(`network error${cause?.code ? ` (${cause.code})` : ""}`);
    }

    const status = response.status;
    if (status >= 200 && status < 300) {
      await response.body?.cancel().catch(() => undefined);
      return { status: "delivered" };
    }
    const text = await errorText(response);
    const described = `HTTP ${status}${text ? ` ${text}` : ""}`;
    if (status === 429) {
      return retryable(described, retryAfterMs(response.headers.get("retry-after")));
    }
    if (status === 408 || status >= 500) return retryable(described);
    if (PERMANENT.has(status)) return { status: "broken", reason: described };
    if (status >= 300 && status < 400) {
      return {
        status: "failed",
        reason: `HTTP ${status}: redirects are not followed`,
        retryable: false,
      };
    }
    return { status: "failed", reason: described, retryable: false };
  }
}

function retryable(reason: string, retryAfterMs?: number): SlackPostResult {
  return {
    status: "failed",
    reason,
    retryable: true,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  };
}
