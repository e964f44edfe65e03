import * as z from "zod/mini";
import type { Notice } from "../incidents/notice.ts";
import { AUDIENCES, CATEGORIES, SEVERITIES, type Severity } from "../quirks/rule.ts";
import "../validation.ts";
import { forCustomer } from "./audience.ts";

/**
 * Which notices a destination wants. Every condition given must hold; an absent one matches
 * everything. The same filter drives SNS subscriptions (as a filter policy on the message
 * attributes the SNS bus sets) and Slack/webhook destinations (through `matchesFilter`).
 * `audience: internal` (the default) is everything, in internal wording; `audience: customer`
 * only what the customer must act on, in the customer's wording.
 */

const nonEmpty = z.string().check(z.trim(), z.minLength(1));
const list = <T extends z.core.SomeType>(item: T) =>
  z.optional(z.array(item).check(z.minLength(1)));

export const SubscriptionFilterSchema = z.strictObject({
  account_ids: list(nonEmpty),
  providers: list(z.string().check(z.trim(), z.minLength(1), z.toLowerCase())),
  categories: list(z.enum(CATEGORIES)),
  min_severity: z.optional(z.enum(SEVERITIES)),
  audience: z.optional(z.enum(AUDIENCES)),
});
export type SubscriptionFilter = z.output<typeof SubscriptionFilterSchema>;

/** SNS allows at most 150 combinations of values across a filter policy's keys. */
export const SNS_FILTER_MAX_COMBINATIONS = 150;

/** `warning` -> `["warning", "error", "critical"]`. */
export function severitiesAtOrAbove(min: Severity): Severity[] {
  return SEVERITIES.slice(SEVERITIES.indexOf(min));
}

/** The SNS filter policy (scope: MessageAttributes) for a filter. */
export function snsFilterPolicy(filter: SubscriptionFilter): Record<string, unknown> {
  const policy: Record<string, string[]> = {};
  if (filter.account_ids) policy.account_id = [...new Set(filter.account_ids)];
  if (filter.providers) policy.provider = [...new Set(filter.providers)];
  if (filter.categories) policy.category = [...new Set(filter.categories)];
  if (filter.min_severity) policy.severity = severitiesAtOrAbove(filter.min_severity);
  // SNS publishes a notice once per audience (see sns-bus.ts): a subscription takes one of them.
  policy.audience = [filter.audience ?? "internal"];

  const combinations = Object.values(policy).reduce(
    (product, values) => product * values.length,
    1,
  );
  if (combinations > SNS_FILTER_MAX_COMBINATIONS) {
    throw new Error(
      `the filter has ${combinations} combinations of values; SNS allows at most ${SNS_FILTER_MAX_COMBINATIONS} (use fewer account ids, providers or categories)`,
    );
  }
  return policy;
}

export function matchesFilter(filter: SubscriptionFilter, notice: Notice): boolean {
  const incident = notice.incident;
  if (filter.account_ids && !filter.account_ids.includes(incident.account.id)) return false;
  if (filter.providers && !filter.providers.includes(incident.provider.toLowerCase())) return false;
  if (filter.categories && !filter.categories.includes(incident.category)) return false;
  if (
    filter.min_severity &&
    SEVERITIES.indexOf(incident.severity) < SEVERITIES.indexOf(filter.min_severity)
  ) {
    return false;
  }
  if (filter.audience === "customer" && !forCustomer(notice)) return false;
  return true;
}
