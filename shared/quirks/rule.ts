import * as z from "zod/mini";
import "../validation.ts";
import { EVENT_KINDS } from "../events/event.ts";
import { CATEGORIES, type Category, SEVERITIES } from "./taxonomy.ts";

export { CATEGORIES, type Category, SEVERITIES, type Severity } from "./taxonomy.ts";

/**
 * Who must act on a rule's problem: the customer's admin (reconnect, grant a permission), us
 * (fix a request, contact StackOne), or nobody (expected behaviour: explained, never an incident).
 */
export const MUST_ACT = ["customer", "us", "nobody"] as const;
export type MustAct = (typeof MUST_ACT)[number];

/**
 * Who a notice is worded for. Internal destinations get every notice with every id; customer ones
 * only what the customer must act on, in the rule's customer wording.
 */
export const AUDIENCES = ["customer", "internal"] as const;
export type Audience = (typeof AUDIENCES)[number];

/** Categories that a recovery event (the account is healthy again) resolves. */
export const RESOLVED_BY_RECOVERY: ReadonlySet<Category> = new Set([
  "reauth_required",
  "missing_permissions",
  "account_disabled",
]);

const regex = z.string().check(
  z.refine(
    (s) => {
      try {
        new RegExp(s);
        return true;
      } catch {
        return false;
      }
    },
    { message: "not a valid regular expression" },
  ),
);
const nonEmpty = z.string().check(z.minLength(1));
const int = (min: number, max?: number) =>
  z.int().check(z.minimum(min), ...(max === undefined ? [] : [z.maximum(max)]));
const list = <T extends z.core.SomeType>(item: T) => z.array(item).check(z.minLength(1));

/**
 * A condition on a field of the request or response body sample. `path` is dotted
 * (`data.employment_status`); an array on the way matches when any element does.
 */
export const FieldPredicate = z.strictObject({
  in: z.enum(["request", "response"]),
  path: nonEmpty,
  is: z.enum(["missing", "null", "empty", "equals", "not_matching"]),
  /** For `equals`: the value. For `not_matching`: a regular expression. */
  value: z.optional(z.union([z.string(), z.number(), z.boolean()])),
});
export type FieldPredicate = z.infer<typeof FieldPredicate>;

export const AlertPolicy = z.strictObject({
  /** Alert once `count` events arrive within `window_seconds`. */
  threshold: z.strictObject({ count: int(1), window_seconds: int(1) }),
  /** A still-firing incident is repeated after this long. */
  repeat_seconds: int(1),
  /** A firing incident with no event for this long is resolved by the sweeper. */
  resolve_after_quiet_seconds: int(1),
  /**
   * Provider-side rules (server errors, unavailable, sustained rate limits): how many accounts
   * within how long open one provider incident instead of one per account (default: the
   * PROVIDER_INCIDENT_* settings); `false` opts the rule out.
   */
  provider_incident: z.optional(
    z.union([
      z.literal(false),
      z.strictObject({ accounts: z.optional(int(2)), window_seconds: z.optional(int(60)) }),
    ]),
  ),
});
export type AlertPolicy = z.infer<typeof AlertPolicy>;

const ruleId = z
  .string()
  .check(z.regex(/^[a-z0-9_]+(\.[a-z0-9_]+)+$/, "ids look like `provider.what`"));

/**
 * What the customer's admin reads: their own words, never a StackOne endpoint, rule or request
 * id. `{provider}` stands for the provider's name (for rules that apply to any provider).
 */
export const CustomerWording = z.strictObject({
  title: z.string().check(z.minLength(1), z.maxLength(120)),
  what_happened: nonEmpty,
  remediation: list(nonEmpty),
});
export type CustomerWording = z.infer<typeof CustomerWording>;

export const QuirkRule = z
  .strictObject({
    id: ruleId,
    /**
     * Rules naming the same incident share one incident per account, e.g. one bad candidate id
     * whether it was sent in the body or the path. Defaults to the rule's id.
     */
    incident: z.optional(ruleId),
    /** Lower-case provider key as StackOne sends it; absent for rules that apply to any provider. */
    provider: z.optional(nonEmpty),
    /** Breaks ties between rules of equal specificity; higher wins. */
    priority: z._default(z.int(), 0),
    match: z.strictObject({
      status: z.optional(list(int(100, 599))),
      /** e.g. `4xx`: for fallbacks. */
      status_class: z.optional(z.enum(["2xx", "3xx", "4xx", "5xx"])),
      kind: z.optional(list(z.enum(EVENT_KINDS))),
      /** Regular expression over the sender's event type, e.g. `^account\\.(error|expired)$`. */
      type: z.optional(regex),
      method: z.optional(list(z.string().check(z.toUpperCase()))),
      /** Regular expression over the HTTP path and the resource name. */
      path: z.optional(regex),
      /** Case-insensitive regular expression over the error message, code and provider errors. */
      message: z.optional(regex),
      fields: z.optional(list(FieldPredicate)),
    }),
    category: z.enum(CATEGORIES),
    severity: z.enum(SEVERITIES),
    must_act: z.enum(MUST_ACT),
    /** Required exactly when the customer must act. */
    customer: z.optional(CustomerWording),
    title: z.string().check(z.minLength(1), z.maxLength(120)),
    what_happened: nonEmpty,
    remediation: list(nonEmpty),
    retry: z.strictObject({
      retryable: z.boolean(),
      backoff: z.enum(["none", "exponential", "retry_after"]),
    }),
    docs_url: z.optional(z.url()),
    /**
     * Where the rule comes from: the page and the line of it, or the provider's own
     * documentation (`provider-docs`, with its `url`).
     */
    source: z
      .strictObject({
        page: z.enum([
          "stackone-integration-quirks",
          "stackone-error-guide",
          "provider-docs",
          "quirkwatch",
        ]),
        section: nonEmpty,
        line: z.optional(int(1)),
        url: z.optional(z.url({ protocol: /^https$/ })),
      })
      .check(
        z.refine((s) => (s.page === "provider-docs") === (s.url !== undefined), {
          message: "a url is required exactly when the page is provider-docs",
          path: ["url"],
        }),
      ),
    alert: AlertPolicy,
  })
  .check(
    z.refine((rule) => (rule.must_act === "customer") === (rule.customer !== undefined), {
      message: "customer wording is required exactly when must_act is customer",
      path: ["customer"],
    }),
  );

export type QuirkRule = z.output<typeof QuirkRule>;
export type QuirkRuleInput = z.input<typeof QuirkRule>;

/** A still-firing incident is told again every four hours, whatever its kind. */
const REPEAT_SECONDS = 4 * 3600;
const policy = (
  threshold: AlertPolicy["threshold"],
  resolve_after_quiet_seconds: number,
): AlertPolicy => ({ threshold, repeat_seconds: REPEAT_SECONDS, resolve_after_quiet_seconds });

/** Shared alert policies, so a rule file says which kind of problem it is, not the numbers. */
export const POLICIES = {
  /** One event is enough; it will not fix itself. Resolves on recovery or after a quiet day. */
  immediate: policy({ count: 1, window_seconds: 60 }, 24 * 3600),
  /** Alerts only when sustained; resolves after 30 quiet minutes. */
  sustained: policy({ count: 10, window_seconds: 600 }, 30 * 60),
  /** A few in a row are worth a look; transient, so 30 quiet minutes resolve it. */
  transient: policy({ count: 3, window_seconds: 600 }, 30 * 60),
  /** For rules nobody must act on: they never open an incident, so the numbers do not matter. */
  silent: policy({ count: 1, window_seconds: 60 }, 30 * 60),
} as const satisfies Record<string, AlertPolicy>;

/** Identity helper that type-checks a rule file against the schema's input type. */
export const rules = (list: QuirkRuleInput[]): QuirkRuleInput[] => list;
