/**
 * The words incidents are classified in. No imports: the dashboard bundles this file as it is.
 */

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
