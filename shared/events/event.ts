import * as z from "zod/mini";
import { hasControl, oneLine } from "../outside-text.ts";
import { issuesOf, type ValidationIssue } from "../validation.ts";

/** Limits on one normalized event. Free text is cut, never rejected; ids over the limit are rejected. */
export const LIMITS = {
  id: 256,
  text: 1_000,
  shortText: 256,
  providerErrors: 10,
  sampleBytes: 4_096,
  /** A whole normalized event, serialized. Larger ones are rejected with a reason. */
  eventBytes: 16_384,
} as const;

/**
 * `recovery`: the account works again (resolves its re-auth and permission incidents).
 * `account_deleted`: the account is gone (quietly resolves all its open incidents).
 */
export const EVENT_KINDS = [
  "error",
  "recovery",
  "data_warning",
  "info",
  "account_deleted",
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

// Every text field is one line of inert text from here on (outside-text.ts): whatever prints it
// later, a console, an email or a webhook receiver, gets no escape sequence or forged line.
// An id is refused rather than cleaned: two ids that differ only in a control must stay two.
const id = z.string().check(
  z.trim(),
  z.minLength(1),
  z.maxLength(LIMITS.id),
  z.refine((s) => !hasControl(s), "must not contain control characters"),
);
// `overwrite`, not a pipe to a transform: the same cut at about half the parse cost.
const cut = (max: number) =>
  z.optional(z.string().check(z.overwrite((s) => oneLine(s.slice(0, max)))));
const shortText = cut(LIMITS.shortText);
const text = cut(LIMITS.text);
const status = z.optional(z.int().check(z.minimum(100), z.maximum(599)));

/** A JSON value kept as a small sample of a request or response body. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };
/**
 * Checked, not rebuilt: zod's `json()` copies objects by assignment, which turns a `__proto__`
 * key (data in JSON) into a prototype and loses it.
 */
export const JsonValueSchema = z.custom<JsonValue>(isJsonValue, {
  message: "expected a JSON value",
});

function isJsonValue(value: unknown, depth = 0): boolean {
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (typeof value === "number") return Number.isFinite(value);
  if (typeof value !== "object" || depth > 64) return false;
  if (Array.isArray(value)) return value.every((v) => isJsonValue(v, depth + 1));
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return false;
  return Object.values(value).every((v) => isJsonValue(v, depth + 1));
}

/**
 * The provider's own answer: text as it is, or JSON (StackOne returns an object) kept as its
 * JSON text, so the provider's words are read the same way from either.
 */
const raw = z.optional(
  z.pipe(
    z.union([z.string(), z.record(z.string(), JsonValueSchema), z.array(JsonValueSchema)]),
    z.transform((v) => (typeof v === "string" ? v : JSON.stringify(v)).slice(0, LIMITS.text)),
  ),
);

export const ProviderError = z.object({ status, url: shortText, raw });

export const IntegrationEvent = z.object({
  /** The payload's own id, or a hash of the raw body, so a redelivery has the same id. */
  id,
  source: z.string().check(z.minLength(1), z.maxLength(64)),
  kind: z.enum(EVENT_KINDS),
  /** The sender's event type, e.g. `request.failed` or `account.updated`. */
  type: shortText,
  occurred_at: z.iso.datetime({ offset: true }),
  account: z.object({
    id,
    name: shortText,
    owner_id: shortText,
    owner_name: shortText,
    owner_email: shortText,
  }),
  provider: z
    .string()
    .check(z.overwrite(oneLine), z.toLowerCase(), z.minLength(1), z.maxLength(LIMITS.id)),
  http: z.optional(
    z.object({
      status,
      method: z.optional(z.string().check(z.maxLength(16), z.overwrite(oneLine), z.toUpperCase())),
      path: shortText,
    }),
  ),
  /** The unified resource, e.g. `employees` or `notes`, when the sender names it. */
  resource: shortText,
  error: z.optional(
    z.object({
      message: text,
      code: shortText,
      provider_errors: z.optional(z.array(ProviderError).check(z.maxLength(LIMITS.providerErrors))),
    }),
  ),
  request_id: shortText,
  retry_after_seconds: z.optional(z.number().check(z.minimum(0), z.maximum(86_400))),
  /** Small samples of the bodies, for rules that look at fields (see `sample`). */
  request_body: z.optional(JsonValueSchema),
  response_body: z.optional(JsonValueSchema),
});

export type IntegrationEvent = z.output<typeof IntegrationEvent>;
export type IntegrationEventInput = z.input<typeof IntegrationEvent>;

export type { ValidationIssue };
export { issuesOf };

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
 * The schema above, checked by hand for the shape ingest sees on every request: the same event
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

/**
 * Keeps a body small: strings cut, arrays cut to their first items, depth bounded. A body that
 * is still too large keeps fewer array items and shorter strings, down to one item each.
 */
export function sample(value: unknown): JsonValue | undefined {
  for (const [items, chars] of [
    [5, 256],
    [2, 128],
    [1, 64],
  ] as const) {
    const bounded = trim(value, 0, items, chars);
    if (bounded === undefined) return undefined;
    if (JSON.stringify(bounded).length <= LIMITS.sampleBytes) return bounded;
  }
  return undefined;
}

function trim(value: unknown, depth: number, items: number, chars: number): JsonValue | undefined {
  if (value === null || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "string") return value.slice(0, chars);
  if (depth >= 5 || typeof value !== "object") return undefined;
  if (Array.isArray(value)) {
    return value
      .slice(0, items)
      .map((v) => trim(v, depth + 1, items, chars))
      .filter((v) => v !== undefined);
  }
  // No prototype: a `__proto__` key in a body is data, not a prototype to set.
  const out: Record<string, JsonValue> = Object.create(null);
  for (const [k, v] of Object.entries(value).slice(0, 50)) {
    const t = trim(v, depth + 1, items, chars);
    if (t !== undefined) out[k.slice(0, 128)] = t;
  }
  return out;
}
