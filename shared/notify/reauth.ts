import type { Category } from "../quirks/rule.ts";

/** Categories where someone at the customer has to act, so a re-auth link helps. */
const CUSTOMER_MUST_ACT: ReadonlySet<Category> = new Set([
  "reauth_required",
  "missing_permissions",
  "account_disabled",
]);

/**
 * The link that lets the customer reconnect, from REAUTH_URL_TEMPLATE (e.g.
 * `https://app.example.com/integrations/{account_id}/reconnect`), for the categories where the
 * customer must act; undefined otherwise.
 */
export function reauthUrl(
  template: string | undefined,
  incident: { account: { id: string }; category: Category },
): string | undefined {
  if (!template || !CUSTOMER_MUST_ACT.has(incident.category)) return undefined;
  return template.replaceAll("{account_id}", encodeURIComponent(incident.account.id));
}
