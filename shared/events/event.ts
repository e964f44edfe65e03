import { z } from "zod";

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

export const EVENT_KINDS = ["error", "recovery", "data_warning", "info"] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

const id = z.string().trim().min(1).max(LIMITS.id);
const shortText = z
  .string()
  .transform((s) => s.slice(0, LIMITS.shortText))
  .optional();
const text = z
  .string()
  .transform((s) => s.slice(0, LIMITS.text))
  .optional();

/** A JSON value kept as a small sample of a request or response body. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };
const jsonValue: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([
    z.string(),
    z.number(),
    z.boolean(),
    z.null(),
    z.array(jsonValue),
    z.record(z.string(), jsonValue),
  ]),
);

export const ProviderError = z.object({
  status: z.number().int().min(100).max(599).optional(),
  url: shortText,
  raw: text,
});

export const IntegrationEvent = z.object({
  /** The payload's own id, or a hash of the raw body, so a redelivery has the same id. */
  id,
  source: z.string().min(1).max(64),
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
  provider: id.transform((s) => s.toLowerCase()),
  http: z
    .object({
      status: z.number().int().min(100).max(599).optional(),
      method: z
        .string()
        .max(16)
        .transform((s) => s.toUpperCase())
        .optional(),
      path: shortText,
    })
    .optional(),
  /** The unified resource, e.g. `employees` or `notes`, when the sender names it. */
  resource: shortText,
  error: z
    .object({
      message: text,
      code: shortText,
      provider_errors: z.array(ProviderError).max(LIMITS.providerErrors).optional(),
    })
    .optional(),
  request_id: shortText,
  retry_after_seconds: z.number().nonnegative().max(86_400).optional(),
  /** Small samples of the bodies, for rules that look at fields (see `sample`). */
  request_body: jsonValue.optional(),
  response_body: jsonValue.optional(),
});

export type IntegrationEvent = z.output<typeof IntegrationEvent>;
export type IntegrationEventInput = z.input<typeof IntegrationEvent>;

export type ValidationIssue = { path: string; message: string };

export class EventValidationError extends Error {
  constructor(readonly issues: ValidationIssue[]) {
    super(issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; "));
    this.name = "EventValidationError";
  }
}

export function issuesOf(error: z.ZodError, prefix = ""): ValidationIssue[] {
  return error.issues.map((i) => ({
    path: [prefix, ...i.path.map(String)].filter(Boolean).join("."),
    message: i.message,
  }));
}

/** Validates a normalized event; throws EventValidationError naming each bad field. */
export function parseEvent(input: unknown): IntegrationEvent {
  const result = IntegrationEvent.safeParse(input);
  if (!result.success) throw new EventValidationError(issuesOf(result.error));
  const size = Buffer.byteLength(JSON.stringify(result.data));
  if (size > LIMITS.eventBytes) {
    throw new EventValidationError([
      {
        path: "",
        message: `event is ${size} bytes once normalized; the limit is ${LIMITS.eventBytes}`,
      },
    ]);
  }
  return result.data;
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
  const out: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(value).slice(0, 50)) {
    const t = trim(v, depth + 1, items, chars);
    if (t !== undefined) out[k.slice(0, 128)] = t;
  }
  return out;
}
