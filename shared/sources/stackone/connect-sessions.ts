import * as z from "zod/mini";
import { parseRetryAfter, type RetryPolicy, type RetrySettings, retryCall } from "../../retry.ts";
import {
  StackoneBadAnswer,
  StackoneRateLimited,
  StackoneUnauthorized,
  StackoneUnavailable,
} from "./api-errors.ts";

/**
 * StackOne's `POST /connect_sessions`, exactly as its TypeScript SDK sends it
 * (`connectSessionsCreateConnectSession`, @stackone/stackone-client-ts 4.28.0): HTTP Basic with
 * the API key as user name, `Content-Type` and `Accept` JSON, an empty `cookie` header, and the
 * body in snake_case with the defaults the SDK fills in (`expires_in` 1,800, `multiple` false,
 * `type` production), in the SDK's key order. Only the user agent differs: it names Quirkwatch.
 * With `account_id`, StackOne's hosted page opens that linked account to re-authenticate it.
 *
 * Someone is waiting on the other end of a click, so the retries are few and short: 408, 429,
 * 5xx and network errors are tried again through the one retry timing (shared/retry.ts), within
 * `CONNECT_SESSION_RETRY`'s deadline; every other answer is final.
 */

export type ConnectSessionRequest = {
  account_id: string;
  origin_owner_id: string;
  origin_owner_name: string;
  provider?: string;
  /** Seconds the hosted page stays valid; the SDK's default is 1,800. */
  expires_in?: number;
};

/** What a caller needs of StackOne's 201: its id, and the hosted page for the customer. */
export type ConnectSession = { id: string; auth_link_url: string };

export type ConnectSessionsOptions = {
  baseUrl: string;
  apiKey: string;
  timeoutMs?: number;
  userAgent?: string;
  retrying?: RetrySettings;
};

/** A 4xx StackOne will answer the same way again: 400, 404 (no such account), 409, 422. */
export class ConnectSessionRefused extends Error {
  override name = "ConnectSessionRefused";
  constructor(
    readonly status: number,
    /** StackOne's `message`, cut; never the request. */
    readonly reason: string,
  ) {
    super(`StackOne refused the connect session (${status})${reason ? `: ${reason}` : ""}`);
  }
}

export const SDK_DEFAULT_EXPIRES_IN = 1_800;
/** 3 tries, short waits, and no retry starts 5 s after the first try: someone is waiting. */
export const CONNECT_SESSION_RETRY: RetryPolicy = {
  attempts: 3,
  baseMs: 250,
  maxMs: 2_000,
  deadlineMs: 5_000,
};
const TIMEOUT_MS = 8_000;
const REASON_CHARS = 200;

/** The SDK's inbound schema requires these; the rest of the answer is not needed. */
const Created = z.object({
  id: z.union([z.number(), z.string()]),
  auth_link_url: z.string().check(z.minLength(1), z.maxLength(4_000)),
});

type Attempt = { session: ConnectSession } | { error: Error; retry: boolean; retryInMs?: number };

export class ConnectSessionsClient {
  private readonly authorization: string;
  private readonly url: string;

  constructor(private readonly options: ConnectSessionsOptions) {
    this.authorization = `Basic ${Buffer.from(`${options.apiKey}:`).toString("base64")}`;
    this.url = `${options.baseUrl.replace(/\/+$/, "")}/connect_sessions`;
  }

  /** The SDK's request body: its key order, its defaults. */
  static body(request: ConnectSessionRequest): string {
    return JSON.stringify({
      account_id: request.account_id,
      expires_in: request.expires_in ?? SDK_DEFAULT_EXPIRES_IN,
      multiple: false,
      origin_owner_id: request.origin_owner_id,
      origin_owner_name: request.origin_owner_name,
      provider: request.provider,
      type: "production",
    });
  }

  /** A new session; throws ConnectSessionRefused or one of api-errors.ts when there is none. */
  async create(request: ConnectSessionRequest): Promise<ConnectSession> {
    const body = ConnectSessionsClient.body(request);
    const { retrying = {} } = this.options;
    return retryCall(
      async () => {
        const outcome = await this.once(body);
        return "session" in outcome ? { value: outcome.session } : outcome;
      },
      { ...CONNECT_SESSION_RETRY, ...retrying.policy },
      { sleep: retrying.sleep },
    );
  }

  private async once(body: string): Promise<Attempt> {
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          Authorization: this.authorization,
          // The SDK always sets it, empty when there are no cookies.
          cookie: "",
          "user-agent": this.options.userAgent ?? "Quirkwatch",
        },
        body,
        redirect: "error",
        signal: AbortSignal.timeout(this.options.timeoutMs ?? TIMEOUT_MS),
      });
    } catch (error) {
      const timedOut = error instanceof Error && error.name === "TimeoutError";
      const reason = timedOut ? "timed out" : "network error";
      return { error: new StackoneUnavailable(`no answer from StackOne (${reason})`), retry: true };
    }
    const text = await response.text().catch(() => "");
    const status = response.status;
    if (status === 201 || status === 200) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return { error: new StackoneBadAnswer("StackOne's answer is not JSON"), retry: false };
      }
      const created = Created.safeParse(parsed);
      if (!created.success || !isHttpUrl(created.data.auth_link_url)) {
        const error = new StackoneBadAnswer("the connect session has no usable auth_link_url");
        return { error, retry: false };
      }
      return {
        session: { id: String(created.data.id), auth_link_url: created.data.auth_link_url },
      };
    }
    if (status === 401 || status === 403) {
      return { error: new StackoneUnauthorized(status, reasonOf(text)), retry: false };
    }
    if (status === 429) {
      const seconds = parseRetryAfter(response.headers.get("retry-after") ?? undefined) ?? 60;
      return { error: new StackoneRateLimited(seconds), retry: true, retryInMs: seconds * 1000 };
    }
    if (status === 408 || status >= 500) {
      return { error: new StackoneUnavailable(`StackOne answered ${status}`), retry: true };
    }
    return { error: new ConnectSessionRefused(status, reasonOf(text)), retry: false };
  }
}

/** The customer's browser is sent there: only an http(s) URL will do. */
function isHttpUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const protocol = new URL(text).protocol;
  return protocol === "https:" || protocol === "http:";
}

/** StackOne's `message` when its error body has one, cut to one short line. */
function reasonOf(text: string): string {
  let message: unknown;
  try {
    message = (JSON.parse(text) as { message?: unknown }).message;
  } catch {
    message = undefined;
  }
  const one = typeof message === "string" ? message.replace(/\s+/g, " ").trim() : "";
  return one.length > REASON_CHARS ? `${one.slice(0, REASON_CHARS - 1)}…` : one;
}
