import { z } from "zod";
import { EVENT_KINDS } from "../events/event.ts";

export const CATEGORIES = [
  "reauth_required",
  "missing_permissions",
  "rate_limited",
  "provider_unavailable",
  "server_error",
  "invalid_request",
  "not_found",
  "account_disabled",
  "not_supported",
  "silent_data_issue",
  "expected_behaviour",
  "unknown",
] as const;
export type Category = (typeof CATEGORIES)[number];

/** Ordered from least to most severe; `min_severity` filters compare by this order. */
export const SEVERITIES = ["info", "warning", "error", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

export const AUDIENCES = ["customer", "internal"] as const;
export type Audience = (typeof AUDIENCES)[number];

/** Categories that a recovery event (the account is healthy again) resolves. */
export const RESOLVED_BY_RECOVERY: ReadonlySet<Category> = new Set([
  "reauth_required",
  "missing_permissions",
  "account_disabled",
]);

const regex = z.string().refine(
  (s) => {
    try {
      new RegExp(s);
      return true;
    } catch {
      return false;
    }
  },
  { message: "not a valid regular expression" },
);

/**
 * A condition on a field of the request or response body sample. `path` is dotted
 * (`data.employment_status`); an array on the way matches when any element does.
 */
export const FieldPredicate = z.object({
  in: z.enum(["request", "response"]),
  path: z.string().min(1),
  is: z.enum(["missing", "null", "empty", "equals", "not_matching"]),
  /** For `equals`: the value. For `not_matching`: a regular expression. */
  value: z.union([z.string(), z.number(), z.boolean()]).optional(),
});
export type FieldPredicate = z.infer<typeof FieldPredicate>;

export const AlertPolicy = z.object({
  /** When false, matching events are counted but never alerted (`expected_behaviour`). */
  notify: z.boolean(),
  /** Alert once `count` events arrive within `window_seconds`. */
  threshold: z.object({
    count: z.number().int().min(1),
    window_seconds: z.number().int().min(1),
  }),
  /** A still-firing incident is repeated after this long. */
  repeat_seconds: z.number().int().min(60),
  /** A firing incident with no event for this long is resolved by the sweeper. */
  resolve_after_quiet_seconds: z.number().int().min(60),
});
export type AlertPolicy = z.infer<typeof AlertPolicy>;

export const QuirkRule = z
  .object({
    id: z.string().regex(/^[a-z0-9_]+(\.[a-z0-9_]+)+$/, "ids look like `provider.what`"),
    /** Lower-case provider key as StackOne sends it; absent for rules that apply to any provider. */
    provider: z.string().min(1).optional(),
    /** Breaks ties between rules of equal specificity; higher wins. */
    priority: z.number().int().default(0),
    match: z
      .object({
        status: z.array(z.number().int().min(100).max(599)).min(1).optional(),
        /** e.g. `4xx`: for fallbacks. */
        status_class: z.enum(["2xx", "3xx", "4xx", "5xx"]).optional(),
        kind: z.array(z.enum(EVENT_KINDS)).min(1).optional(),
        /** Regular expression over the sender's event type, e.g. `^account\\.(error|expired)$`. */
        type: regex.optional(),
        method: z.array(z.string().toUpperCase()).min(1).optional(),
        /** Regular expression over the HTTP path and the resource name. */
        path: regex.optional(),
        /** Case-insensitive regular expression over the error message, code and provider errors. */
        message: regex.optional(),
        fields: z.array(FieldPredicate).min(1).optional(),
      })
      .strict(),
    category: z.enum(CATEGORIES),
    severity: z.enum(SEVERITIES),
    audience: z.array(z.enum(AUDIENCES)).min(1),
    title: z.string().min(1).max(120),
    what_happened: z.string().min(1),
    remediation: z.array(z.string().min(1)).min(1),
    retry: z.object({
      retryable: z.boolean(),
      backoff: z.enum(["none", "exponential", "retry_after"]),
    }),
    docs_url: z.url().optional(),
    /** Where the rule comes from: the page and the line of it. */
    source: z.object({
      page: z.enum(["stackone-integration-quirks", "stackone-error-guide", "quirkwatch"]),
      section: z.string().min(1),
      line: z.number().int().min(1).optional(),
    }),
    alert: AlertPolicy,
  })
  .strict();

export type QuirkRule = z.output<typeof QuirkRule>;
export type QuirkRuleInput = z.input<typeof QuirkRule>;

/** Shared alert policies, so a rule file says which kind of problem it is, not the numbers. */
export const POLICIES = {
  /** One event is enough; it will not fix itself. Resolves on recovery or after a quiet day. */
  immediate: {
    notify: true,
    threshold: { count: 1, window_seconds: 60 },
    repeat_seconds: 4 * 3600,
    resolve_after_quiet_seconds: 24 * 3600,
  },
  /** Alerts only when sustained; resolves after 30 quiet minutes. */
  sustained: {
    notify: true,
    threshold: { count: 10, window_seconds: 600 },
    repeat_seconds: 4 * 3600,
    resolve_after_quiet_seconds: 30 * 60,
  },
  /** A few in a row are worth a look; transient, so 30 quiet minutes resolve it. */
  transient: {
    notify: true,
    threshold: { count: 3, window_seconds: 600 },
    repeat_seconds: 4 * 3600,
    resolve_after_quiet_seconds: 30 * 60,
  },
  /** Counted, explained, never alerted. */
  silent: {
    notify: false,
    threshold: { count: 1, window_seconds: 60 },
    repeat_seconds: 4 * 3600,
    resolve_after_quiet_seconds: 30 * 60,
  },
} as const satisfies Record<string, AlertPolicy>;

/** Identity helper that type-checks a rule file against the schema's input type. */
export const rules = (list: QuirkRuleInput[]): QuirkRuleInput[] => list;
