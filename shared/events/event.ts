import * as z from "zod/mini";
import { hasControl, oneLine } from "../outside-text.ts";

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

export function isJsonValue(value: unknown, depth = 0): boolean {
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
