import {
  filterTooBroad,
  type SubscriptionFilter,
  severitiesAtOrAbove,
} from "../../notify/filter.ts";

/**
 * A subscription filter as the SNS filter policy (scope: MessageAttributes) that selects the
 * same notices among the messages the SNS bus publishes (sns-bus.ts sets the attributes): the
 * domain's `matchesFilter`, in SNS's terms. Throws when the filter is too broad for SNS.
 */
export function snsFilterPolicy(filter: SubscriptionFilter): Record<string, unknown> {
  const tooBroad = filterTooBroad(filter);
  if (tooBroad !== undefined) throw new Error(tooBroad);
  const policy: Record<string, string[]> = {};
  if (filter.account_ids) policy.account_id = [...new Set(filter.account_ids)];
  if (filter.providers) policy.provider = [...new Set(filter.providers)];
  if (filter.categories) policy.category = [...new Set(filter.categories)];
  if (filter.min_severity) policy.severity = severitiesAtOrAbove(filter.min_severity);
  // SNS publishes a notice once per audience (see sns-bus.ts): a subscription takes one of them.
  policy.audience = [filter.audience ?? "internal"];
  return policy;
}
