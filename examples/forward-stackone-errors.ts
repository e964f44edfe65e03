/**
 * Forward StackOne API failures to Quirkwatch from the code that calls StackOne.
 *
 * Give the StackOne TypeScript SDK an HTTP client with two hooks: every failed request (and the
 * successful requests a silent-problem rule looks at) is posted to Quirkwatch's
 * `POST /webhooks/generic`, signed per Standard Webhooks, with the account, provider, status,
 * request id, the provider's own errors and a sample of the bodies those rules read. Forwarding
 * never changes or delays the SDK's answer beyond one short POST, and never throws into it.
 *
 * ```ts
 * import { StackOne } from "@stackone/stackone-client-ts";
 * import { forwardingHttpClient } from "./forward-stackone-errors.ts";
 *
 * const stackone = new StackOne({
 *   security: { username: process.env.STACKONE_API_KEY, password: "" },
 *   httpClient: forwardingHttpClient({
 *     url: "https://<your Quirkwatch API>/webhooks/generic",
 *     secret: process.env.QUIRKWATCH_GENERIC_SECRET, // GenericWebhookSecret, whsec_...
 *     providerOf: (accountId) => accounts.get(accountId)?.provider, // your own records
 *   }),
 * });
 * ```
 *
 * It signs with Quirkwatch's own shared/standard-webhooks.ts (copy that file, or sign with the
 * `standardwebhooks` npm package: `new Webhook(secret).sign(id, date, body)`).
 */
import { randomUUID } from "node:crypto";
import { HTTPClient } from "@stackone/stackone-client-ts";
import { sign } from "../shared/standard-webhooks.ts";

export type ForwardOptions = {
  /** Quirkwatch's `POST /webhooks/generic` URL. */
  url: string;
  /** The `whsec_...` secret Quirkwatch verifies the generic source with. */
  secret: string;
  /** The provider of a linked account, e.g. `hibob`: your code knows it, StackOne's answer does not say. */
  providerOf: (accountId: string) => string | undefined | Promise<string | undefined>;
  /** Told when a forward fails; by default a line on stderr. The SDK call is unaffected. */
  onError?: (error: unknown) => void;
  timeoutMs?: number;
};

/**
 * The successful requests Quirkwatch's silent-problem rules look at (docs/rules.md), and which
 * body they read: Bullhorn accepts notes with a bad candidate id; Hibob leaves out employment
 * status when its service user lacks a permission.
 */
const WATCHED: { provider: string; method: string; path: RegExp; body: "request" | "response" }[] =
  [
    { provider: "bullhorn", method: "POST", path: /\/notes\/?$/, body: "request" },
    { provider: "hibob", method: "GET", path: /\/employees/, body: "response" },
  ];

/** Quirkwatch keeps 4 KiB of a body; more is not worth sending. */
const SAMPLE_CHARS = 16_384;

/** An HTTP client for `new StackOne({ httpClient })` that forwards what Quirkwatch should see. */
export function forwardingHttpClient(options: ForwardOptions): HTTPClient {
  const client = new HTTPClient();
  // The SDK has consumed a request's body by the time it answers: keep the ones we may need.
  const sent = new WeakMap<Request, Promise<string>>();
  client.addHook("beforeRequest", (request) => {
    if (request.method !== "GET" && request.body !== null) {
      sent.set(request, request.clone().text());
    }
  });
  client.addHook("response", async (response, request) => {
    try {
      const event = await eventFor(request, response, options, sent.get(request));
      if (event) await post(event, options);
    } catch (error) {
      (options.onError ?? ((e) => console.error("Quirkwatch forward failed:", e)))(error);
    }
  });
  return client;
}

type GenericEvent = Record<string, unknown> & { id: string };

/** The Quirkwatch event for one StackOne answer, or undefined when there is nothing to tell. */
export async function eventFor(
  request: Request,
  response: Response,
  options: Pick<ForwardOptions, "providerOf">,
  requestBody?: Promise<string>,
): Promise<GenericEvent | undefined> {
  const accountId = request.headers.get("x-account-id");
  if (!accountId) return undefined;
  const provider = await options.providerOf(accountId);
  if (!provider) return undefined;
  const path = new URL(request.url).pathname;
  const failed = response.status >= 400;
  const watched = WATCHED.find(
    (w) => w.provider === provider && w.method === request.method && w.path.test(path),
  );
  if (!failed && !watched) return undefined;

  const answer = await response.clone().text();
  const body = parse(answer);
  const requestId =
    response.headers.get("x-request-id") ?? stringAt(body, "request_id") ?? randomUUID();
  const retryAfter = Number(response.headers.get("retry-after"));
  return {
    id: requestId,
    kind: failed ? "error" : "info",
    type: failed ? "request.failed" : "request.succeeded",
    occurred_at: new Date().toISOString(),
    account: { id: accountId },
    provider,
    http: { status: response.status, method: request.method, path },
    request_id: requestId,
    ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retry_after_seconds: retryAfter } : {}),
    ...(failed ? { error: errorOf(body, answer) } : {}),
    ...(watched?.body === "request" && requestBody
      ? { request_body: parse((await requestBody).slice(0, SAMPLE_CHARS)) }
      : {}),
    ...(watched?.body === "response"
      ? { response_body: parse(answer.slice(0, SAMPLE_CHARS)) }
      : {}),
  };
}

/** StackOne's error body: `{statusCode, message, errorCode?, provider_errors: [{status, url, raw}]}`. */
function errorOf(body: unknown, text: string) {
  const providerErrors = Array.isArray(objectAt(body)?.provider_errors)
    ? (objectAt(body)?.provider_errors as unknown[])
    : [];
  return {
    message: stringAt(body, "message") ?? text.slice(0, 1_000),
    code: stringAt(body, "errorCode"),
    provider_errors: providerErrors.slice(0, 10).map((e) => {
      const o = objectAt(e) ?? {};
      return {
        status: typeof o.status === "number" ? o.status : undefined,
        url: typeof o.url === "string" ? o.url : undefined,
        // The provider's own words: text as it came, JSON as text.
        raw:
          typeof o.raw === "string"
            ? o.raw
            : o.raw === undefined
              ? undefined
              : JSON.stringify(o.raw),
      };
    }),
  };
}

async function post(event: GenericEvent, options: ForwardOptions): Promise<void> {
  const body = JSON.stringify(event);
  const response = await fetch(options.url, {
    method: "POST",
    headers: { "content-type": "application/json", ...sign(options.secret, event.id, body) },
    body,
    signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
  });
  if (!response.ok) {
    throw new Error(`Quirkwatch answered ${response.status}: ${await response.text()}`);
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text === "" ? undefined : text;
  }
}

function objectAt(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function stringAt(value: unknown, key: string): string | undefined {
  const v = objectAt(value)?.[key];
  return typeof v === "string" && v !== "" ? v : undefined;
}
