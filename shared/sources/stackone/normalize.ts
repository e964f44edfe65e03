import { createHash } from "node:crypto";
import {
  type EventKind,
  type IntegrationEvent,
  type IntegrationEventInput,
  sample,
} from "../../events/event.ts";
import { EventValidationError, parseEvent } from "../../events/parse-event.ts";
import { parseRetryAfter } from "../../retry.ts";
import { accountStatusKind } from "./account-status.ts";

/**
 * Turns any StackOne payload into one IntegrationEvent: `account.*` and `request.failed`-style
 * envelopes, request-log records and bare unified-API error bodies. Lenient in what it accepts,
 * strict in what it needs (account id and provider). Throws EventValidationError.
 */
/** The payload's raw text, or how to make it: only a payload without an id needs it, to hash. */
export type RawBody = string | (() => string);

/**
 * `receivedAt` stands in for the time of a payload that carries none (a bare error body); a time
 * that is present but unreadable is an error naming its field, never taken for now.
 */
export function normalizeStackone(
  payload: unknown,
  rawBody: RawBody,
  receivedAt: Date = new Date(),
): IntegrationEvent {
  if (!isObject(payload)) {
    throw new EventValidationError([{ path: "", message: "expected a JSON object" }]);
  }
  // An envelope carries the request-log record or error body in `data` (or `event_data`).
  const data = objectAt(payload, "data") ?? objectAt(payload, "event_data") ?? {};
  const pick = (...keys: string[]): unknown => {
    for (const key of keys) {
      if (payload[key] !== undefined && payload[key] !== null) return payload[key];
      if (data[key] !== undefined && data[key] !== null) return data[key];
    }
    return undefined;
  };

  const accountId = str(pick("account_id", "accountId"));
  const provider = str(pick("provider"));
  const missing = [
    ...(accountId ? [] : [{ path: "account_id", message: "required: the linked account's id" }]),
    ...(provider ? [] : [{ path: "provider", message: "required: the provider, e.g. hibob" }]),
  ];
  if (missing.length > 0) throw new EventValidationError(missing);

  const type = str(payload.event) ?? str(payload.type) ?? str(data.event);
  const request = objectAt(data, "request") ?? objectAt(payload, "request") ?? {};
  const response = objectAt(data, "response") ?? objectAt(payload, "response") ?? {};
  // A request log's response body may be StackOne's own error body.
  const responseBody = parseMaybeJson(response.body ?? response.data);
  const errorBody = isObject(responseBody) ? responseBody : {};
  const providerErrors = [
    ...arrayAt(data, "provider_errors"),
    ...arrayAt(payload, "provider_errors"),
    ...arrayAt(response, "provider_errors"),
    ...arrayAt(errorBody, "provider_errors"),
  ].filter(isObject);

  const status =
    httpStatus(data.status) ??
    httpStatus(payload.status) ??
    httpStatus(data.statusCode) ??
    httpStatus(payload.statusCode) ??
    httpStatus(response.status_code) ??
    providerErrors.map((e) => httpStatus(e.status)).find((s) => s !== undefined);
  const accountStatus = str(data.status) ?? str(payload.status);
  const success = pick("success");

  const event: IntegrationEventInput = {
    id: str(payload.id) ?? str(payload.event_id) ?? hashId(rawBody),
    source: "stackone",
    kind: kindOf(type, accountStatus, status, success),
    type,
    occurred_at: occurredAt(payload, data, receivedAt),
    account: {
      id: accountId as string,
      name: str(pick("origin_owner_name", "account_name")),
      owner_id: str(pick("origin_owner_id")),
      owner_name: str(pick("origin_username")),
      owner_email: str(pick("origin_user_email")),
    },
    provider: provider as string,
    http: {
      status,
      method: httpMethod(request.method) ?? httpMethod(pick("http_method")),
      path: requestPath(request, pick("path"), pick("url")),
    },
    resource: str(pick("resource")),
    error: {
      message: errorMessage(data) ?? errorMessage(payload) ?? errorMessage(errorBody),
      code: str(pick("errorCode", "error_code", "code")),
      provider_errors: providerErrors.slice(0, 10).map((e) => ({
        status: httpStatus(e.status),
        url: str(e.url),
        raw: typeof e.raw === "string" ? e.raw : e.raw === undefined ? undefined : json(e.raw),
      })),
    },
    request_id:
      str(pick("request_id", "requestId")) ??
      providerErrors.map((e) => header(e, "x-request-id")).find((v) => v !== undefined),
    retry_after_seconds: providerErrors
      .map((e) => parseRetryAfter(header(e, "retry-after")))
      .find((v) => v !== undefined),
    request_body: sample(parseMaybeJson(request.body)),
    response_body: sample(responseBody),
  };
  return parseEvent(event);
}

function kindOf(
  type: string | undefined,
  accountStatus: string | undefined,
  status: number | undefined,
  success: unknown,
): EventKind {
  if (type?.startsWith("account.")) {
    if (type === "account.deleted") return "account_deleted";
    if (type === "account.error" || type === "account.expired") return "error";
    const kind = accountStatusKind(accountStatus);
    // Only an update says the account came back; a new account that is active is news to nobody.
    if (kind === "recovery") return type === "account.updated" ? "recovery" : "info";
    return kind ?? "info";
  }
  if (type === "request.failed" || success === false) return "error";
  if (status !== undefined) return status >= 400 ? "error" : "info";
  return success === true ? "info" : "error";
}

function hashId(rawBody: RawBody): string {
  let text: string;
  try {
    text = typeof rawBody === "string" ? rawBody : rawBody();
  } catch (error) {
    // Serializing a payload nested deeper than the stack allows: the sender's mistake, not ours.
    if (!(error instanceof RangeError)) throw error;
    throw new EventValidationError([{ path: "", message: "the payload nests too deeply to read" }]);
  }
  return `sha256_${createHash("sha256").update(text).digest("base64url")}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function objectAt(o: Record<string, unknown>, key: string): Record<string, unknown> | undefined {
  const v = o[key];
  return isObject(v) ? v : undefined;
}

function arrayAt(o: Record<string, unknown>, key: string): unknown[] {
  const v = o[key];
  return Array.isArray(v) ? v : [];
}

function str(v: unknown): string | undefined {
  if (typeof v === "string") return v.trim() === "" ? undefined : v;
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  return undefined;
}

function httpStatus(v: unknown): number | undefined {
  const n = typeof v === "string" && /^\d{3}$/.test(v) ? Number(v) : v;
  return typeof n === "number" && Number.isInteger(n) && n >= 100 && n <= 599 ? n : undefined;
}

/** Where a StackOne payload keeps its time, in order of preference. */
const TIME_KEYS = ["event_date", "event_datetime", "sent_at", "timestamp"] as const;

/**
 * The field a payload's time is read from (`event_date`, or `data.event_date` in an envelope),
 * so a time refused later names what the sender wrote; undefined when it has none.
 */
export function stackoneTimeField(payload: unknown): string | undefined {
  if (!isObject(payload)) return undefined;
  const data = objectAt(payload, "data") ?? objectAt(payload, "event_data");
  const dataKey = objectAt(payload, "data") ? "data" : "event_data";
  for (const key of TIME_KEYS) {
    if (payload[key] !== undefined && payload[key] !== null) return key;
    if (data?.[key] !== undefined && data[key] !== null) return `${dataKey}.${key}`;
  }
  return undefined;
}

/** A UTC time that is certainly valid as written (day 1–28), so it needs no Date round trip. */
const PLAIN_UTC =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|1\d|2[0-8])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;

/** The sender's time; `receivedAt` when there is none; an error naming the field when unreadable. */
function occurredAt(
  payload: Record<string, unknown>,
  data: Record<string, unknown>,
  receivedAt: Date,
): string {
  const field = stackoneTimeField(payload);
  if (field === undefined) return receivedAt.toISOString();
  const [outer, inner] = field.split(".");
  const v = inner === undefined ? payload[String(outer)] : data[inner];
  if (typeof v === "string" && PLAIN_UTC.test(v)) return v;
  // Epoch milliseconds, or a date and time with its zone as ISO 8601 writes it.
  const d =
    typeof v === "number" || (typeof v === "string" && /^\d{4}-\d\d-\d\dT/.test(v))
      ? new Date(v)
      : undefined;
  const year = d?.getUTCFullYear() ?? Number.NaN;
  if (d === undefined || Number.isNaN(year) || year < 0 || year > 9999) {
    throw new EventValidationError([
      { path: field, message: "not a time: expected ISO 8601, e.g. 2026-11-24T10:21:33Z" },
    ]);
  }
  return d.toISOString();
}

function httpMethod(v: unknown): string | undefined {
  return typeof v === "string" && /^[A-Za-z]{1,16}$/.test(v) ? v : undefined;
}

/**
 * The path of the request: a request log's `request.url` is a string or, in its detail, an object
 * `{url, path}`; a log summary has `path` and `url` of its own.
 */
function requestPath(
  request: Record<string, unknown>,
  path: unknown,
  url: unknown,
): string | undefined {
  const requestUrl = request.url;
  if (isObject(requestUrl)) {
    return urlPath(str(requestUrl.path)) ?? urlPath(str(requestUrl.url)) ?? urlPath(str(url));
  }
  return urlPath(str(requestUrl)) ?? urlPath(str(path)) ?? urlPath(str(url));
}

function urlPath(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url, "https://unknown.invalid").pathname;
  } catch {
    return undefined;
  }
}

function errorMessage(o: Record<string, unknown>): string | undefined {
  const error = o.error;
  return (
    str(o.message) ??
    str(o.error_description) ??
    (isObject(error) ? str(error.message) : str(error)) ??
    (Array.isArray(o.error_details)
      ? o.error_details.map((d) => (typeof d === "string" ? d : json(d))).join("; ")
      : undefined)
  );
}

function header(providerError: Record<string, unknown>, name: string): string | undefined {
  const headers = objectAt(providerError, "headers");
  if (!headers) return undefined;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : str(headers[key]);
}

function parseMaybeJson(v: unknown): unknown {
  if (typeof v !== "string") return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

function json(v: unknown): string | undefined {
  try {
    return JSON.stringify(v);
  } catch {
    return undefined;
  }
}
