import { parseRetryAfter, type RetryPolicy, type RetrySettings, retryCall } from "../../retry.ts";
import {
  answered,
  StackoneBadAnswer,
  StackoneRateLimited,
  StackoneUnauthorized,
  StackoneUnavailable,
} from "./api-errors.ts";

/**
 * StackOne's API on the wire exactly as its TypeScript SDK (`@stackone/stackone-client-ts`)
 * speaks it: HTTP Basic with the API key as the user name and an empty password, `accept:
 * application/json`, and query parameters encoded the SDK's way (`style: form, explode: true`:
 * an object's fields become bare parameters, lists are comma-joined, every name and value is
 * percent-encoded with encodeURIComponent, in the order the SDK writes them). The SDK itself is
 * not used: its standalone functions pull in its whole model catalogue (4 MB bundled); the
 * contract test (test/contract/stackone-wire.test.ts) proves our requests equal the SDK's.
 *
 * Polite: 429 waits for `Retry-After`, 5xx and network errors back off, each a few times and never
 * past the caller's deadline. A StackOne client for another endpoint (accounts, connect
 * sessions) builds on this one module.
 */

/** Sent as `user-agent`; StackOne refuses requests without a valid one. */
export const USER_AGENT = "quirkwatch/0.1.0";

export type StackoneHttpOptions = {
  baseUrl: string;
  apiKey: string;
  timeoutMs?: number;
  /** Epoch ms after which no retry waits: the caller's run must end by then. */
  deadline?: number;
  retrying?: RetrySettings;
};

/** Tries per call: 3, the first retry after about a second (or StackOne's Retry-After). */
export const STACKONE_RETRY: RetryPolicy = { attempts: 3, baseMs: 1_000, maxMs: 30_000 };

/** A query parameter's value as the SDK takes it; undefined leaves the parameter out. */
export type QueryValue = string | number | boolean | readonly (string | number)[] | undefined;

/** One call's outcome: the answer, or why not and whether another try may do better. */
type Outcome =
  | { value: unknown }
  | { error: Error; status?: number; retry: boolean; retryInMs?: number };

/** StackOne's error bodies are short; more is noise in an incident. */
const BODY_CHARS = 500;

/**
 * The SDK's `encodeFormQuery`: `name=value` pairs in the given order, lists comma-joined before
 * encoding (so a comma is `%2C`), names and values through encodeURIComponent.
 */
export function formQuery(params: readonly (readonly [string, QueryValue])[]): string {
  const pairs: string[] = [];
  for (const [name, value] of params) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(",") : String(value);
    pairs.push(`${encodeURIComponent(name)}=${encodeURIComponent(text)}`);
  }
  return pairs.join("&");
}

/** A path with its `{id}` filled in as the SDK does: percent-encoded. */
export const pathWith = (template: string, id: string): string =>
  template.replace("{id}", encodeURIComponent(id));

export class StackoneHttp {
  private readonly authorization: string;
  private readonly base: string;

  constructor(private readonly options: StackoneHttpOptions) {
    this.authorization = `Basic ${Buffer.from(`${options.apiKey}:`).toString("base64")}`;
    this.base = options.baseUrl.replace(/\/+$/, "");
  }

  /**
   * `GET path?query`, its JSON answer; with `missingIsUndefined`, a 404 is undefined. Throws one
   * of api-errors.ts's errors once the retries are spent.
   */
  async get(path: string, query = "", missingIsUndefined = false): Promise<unknown> {
    const url = `${this.base}${path}${query ? `?${query}` : ""}`;
    const { deadline, retrying = {} } = this.options;
    return retryCall(
      async () => {
        const outcome = await this.once(url);
        if ("status" in outcome && outcome.status === 404 && missingIsUndefined) {
          return { value: undefined };
        }
        return outcome;
      },
      {
        ...STACKONE_RETRY,
        ...(deadline === undefined ? {} : { deadlineMs: deadline - Date.now() }),
        ...retrying.policy,
      },
      { sleep: retrying.sleep },
    );
  }

  private async once(url: string): Promise<Outcome> {
    let response: Response;
    try {
      response = await fetch(url, {
        headers: {
          accept: "application/json",
          authorization: this.authorization,
          "user-agent": USER_AGENT,
        },
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 20_000),
      });
    } catch (error) {
      const reason = networkReason(error);
      return { error: new StackoneUnavailable(`no answer from StackOne (${reason})`), retry: true };
    }
    const text = await response.text().catch(() => "");
    const status = response.status;
    if (status === 401 || status === 403) {
      return { status, error: new StackoneUnauthorized(status, cut(text)), retry: false };
    }
    if (status === 429) {
      const seconds = parseRetryAfter(response.headers.get("retry-after") ?? undefined) ?? 60;
      const error = new StackoneRateLimited(seconds);
      return { status, error, retry: true, retryInMs: seconds * 1000 };
    }
    if (status >= 500) {
      return { status, error: new StackoneUnavailable(`StackOne answered ${status}`), retry: true };
    }
    if (status < 200 || status >= 300) {
      const error = new StackoneBadAnswer(answered(status, text));
      return { status, error, retry: false };
    }
    try {
      return { value: JSON.parse(text) };
    } catch {
      return {
        status,
        error: new StackoneBadAnswer("StackOne's answer is not JSON"),
        retry: false,
      };
    }
  }
}

function networkReason(error: unknown): string {
  if (error instanceof Error && error.name === "TimeoutError") return "timed out";
  const cause =
    error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  return typeof cause?.code === "string" ? cause.code : "network error";
}

function cut(text: string): string {
  const one = text.replace(/\s+/g, " ").trim();
  return one.length > BODY_CHARS ? `${one.slice(0, BODY_CHARS - 1)}…` : one;
}
