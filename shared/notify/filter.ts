import * as z from "zod/mini";
import type { Notice } from "../incidents/notice.ts";
import { AUDIENCES, CATEGORIES, SEVERITIES, type Severity } from "../quirks/rule.ts";
import "../validation.ts";
import { forCustomer } from "./audience.ts";

/**
 * Which notices a destination wants. Every condition given must hold; an absent one matches
 * everything. `matchesFilter` is the rule on every engine; on AWS, email subscriptions carry it
 * as an SNS filter policy (adapters/aws/sns-filter-policy.ts).
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

/**
 * A filter names at most this many combinations of values (accounts x providers x categories x
 * severities): enough for any destination, and what every engine can carry (SNS's filter
 * policies allow 150).
 */
export const FILTER_MAX_COMBINATIONS = 150;

/** `warning` -> `["warning", "error", "critical"]`. */
export function severitiesAtOrAbove(min: Severity): Severity[] {
  return SEVERITIES.slice(SEVERITIES.indexOf(min));
}

/** Why a filter is too broad to carry, or undefined when it is fine. */
export function filterTooBroad(filter: SubscriptionFilter): string | undefined {
  const combinations =
    new Set(filter.account_ids ?? [""]).size *
    new Set(filter.providers ?? [""]).size *
    new Set(filter.categories ?? [""]).size *
    (filter.min_severity ? severitiesAtOrAbove(filter.min_severity).length : 1);
  return combinations > FILTER_MAX_COMBINATIONS
    ? `the filter has ${combinations} combinations of values; SNS allows at most ${FILTER_MAX_COMBINATIONS} (use fewer account ids, providers or categories)`
    : undefined;
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
