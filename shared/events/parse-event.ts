import { hasControl, oneLine } from "../outside-text.ts";
import { issuesOf, type ValidationIssue } from "../validation.ts";
import {
  EVENT_KINDS,
  type EventKind,
  IntegrationEvent,
  isJsonValue,
  type JsonValue,
  LIMITS,
} from "./event.ts";

// Parsing one event on the way in: the schema lives in event.ts; this file holds what checks an
// input against it, fast path first, and the size limit on the result.

export class EventValidationError extends Error {
  constructor(readonly issues: ValidationIssue[]) {
    super(issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; "));
    this.name = "EventValidationError";
  }
}

/** Each checked event's JSON, made once for the size check and reused when it is queued. */
const serialized = new WeakMap<IntegrationEvent, string>();

export function eventJson(event: IntegrationEvent): string {
  let json = serialized.get(event);
  if (json === undefined) {
    json = JSON.stringify(event);
    serialized.set(event, json);
  }
  return json;
}

/** Validates a normalized event; throws EventValidationError naming each bad field. */
export function parseEvent(input: unknown): IntegrationEvent {
  const event = checkedEvent(input) ?? zodEvent(input);
  const size = Buffer.byteLength(eventJson(event));
  if (size > LIMITS.eventBytes) {
    throw new EventValidationError([
      {
        path: "",
        message: `event is ${size} bytes once normalized; the limit is ${LIMITS.eventBytes}`,
      },
    ]);
  }
  return event;
}

function zodEvent(input: unknown): IntegrationEvent {
  const result = IntegrationEvent.safeParse(input);
  if (!result.success) throw new EventValidationError(issuesOf(result.error));
  return result.data;
}

/** Any field the hand check leaves to zod. */
const ZOD = Symbol("zod");
type Checked<T> = T | typeof ZOD;

/**
 * The schema (event.ts), checked by hand for the shape ingest sees on every request: the same event
 * zod would return, field for field and in its order, or undefined to let zod decide (and name
 * what is wrong). It costs a tenth of zod's walk; test/unit/event-check.test.ts holds the two
 * to the same output over arbitrary input.
 */
export function checkedEvent(input: unknown): IntegrationEvent | undefined {
  if (!isRecord(input)) return undefined;
  const account = input.account;
  const http = input.http;
  const error = input.error;
  if (!isRecord(account) || (http !== undefined && !isRecord(http))) return undefined;
  if (error !== undefined && !isRecord(error)) return undefined;
  const event = {
    id: checkedId(input.id),
    source:
      typeof input.source === "string" && input.source.length >= 1 && input.source.length <= 64
        ? input.source
        : ZOD,
    kind: EVENT_KINDS.includes(input.kind as EventKind) ? (input.kind as EventKind) : ZOD,
    type: cutText(input.type, LIMITS.shortText),
    occurred_at:
      typeof input.occurred_at === "string" && UTC_TIME.test(input.occurred_at)
        ? input.occurred_at
        : ZOD,
    account: {
      id: checkedId(account.id),
      name: cutText(account.name, LIMITS.shortText),
      owner_id: cutText(account.owner_id, LIMITS.shortText),
      owner_name: cutText(account.owner_name, LIMITS.shortText),
      owner_email: cutText(account.owner_email, LIMITS.shortText),
    },
    provider: checkedProvider(input.provider),
    http: http && {
      status: checkedStatus(http.status),
      method:
        http.method === undefined
          ? undefined
          : typeof http.method === "string" && http.method.length <= 16
            ? oneLine(http.method).toUpperCase()
            : ZOD,
      path: cutText(http.path, LIMITS.shortText),
    },
    resource: cutText(input.resource, LIMITS.shortText),
    error: error && {
      message: cutText(error.message, LIMITS.text),
      code: cutText(error.code, LIMITS.shortText),
      provider_errors: checkedProviderErrors(error.provider_errors),
    },
    request_id: cutText(input.request_id, LIMITS.shortText),
    retry_after_seconds:
      input.retry_after_seconds === undefined ||
      (typeof input.retry_after_seconds === "number" &&
        input.retry_after_seconds >= 0 &&
        input.retry_after_seconds <= 86_400)
        ? input.retry_after_seconds
        : ZOD,
    request_body: checkedJson(input.request_body),
    response_body: checkedJson(input.response_body),
  };
  return anyLeftToZod(event) ? undefined : (event as IntegrationEvent);
}

/** A time zod's ISO check certainly takes as written (day 1–28: valid in every month). */
const UTC_TIME =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|1\d|2[0-8])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function checkedId(value: unknown): Checked<string> {
  return typeof value === "string" &&
    value.length >= 1 &&
    value.length <= LIMITS.id &&
    value.trim() === value &&
    !hasControl(value)
    ? value
    : ZOD;
}

function cutText(value: unknown, max: number): Checked<string | undefined> {
  if (value === undefined) return undefined;
  return typeof value === "string" ? oneLine(value.slice(0, max)) : ZOD;
}

function checkedProvider(value: unknown): Checked<string> {
  if (typeof value !== "string") return ZOD;
  const provider = oneLine(value).toLowerCase();
  return provider.length >= 1 && provider.length <= LIMITS.id ? provider : ZOD;
}

function checkedStatus(value: unknown): Checked<number | undefined> {
  if (value === undefined) return undefined;
  return Number.isInteger(value) && (value as number) >= 100 && (value as number) <= 599
    ? (value as number)
    : ZOD;
}

function checkedProviderErrors(value: unknown) {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length > LIMITS.providerErrors) return ZOD;
  return value.map((e: unknown) =>
    isRecord(e) && (e.raw === undefined || typeof e.raw === "string")
      ? {
          status: checkedStatus(e.status),
          url: cutText(e.url, LIMITS.shortText),
          raw: e.raw?.slice(0, LIMITS.text),
        }
      : ZOD,
  );
}

function checkedJson(value: unknown): Checked<JsonValue | undefined> {
  return value === undefined || isJsonValue(value) ? (value as JsonValue | undefined) : ZOD;
}

/** Whether a field of the event or of its objects was left to zod (the bodies are values). */
function anyLeftToZod(event: {
  account: object;
  http?: object | undefined;
  error?: { provider_errors?: unknown } | undefined;
}): boolean {
  const errors = event.error?.provider_errors;
  return [
    event,
    event.account,
    event.http ?? {},
    event.error ?? {},
    ...(Array.isArray(errors) ? errors : []),
  ].some((o) => o === ZOD || Object.values(o).includes(ZOD));
}
