import type { EventKind } from "../../events/event.ts";

/**
 * A StackOne linked account's `status` (an open set: the SDK on npm declares active, inactive
 * and error; newer ones add suspended, archived and expired) as what it means for incidents:
 * - inactive, suspended, expired, error: the account is broken (opens or keeps an incident);
 * - archived: the account is put away, like a deleted one (resolves its incidents quietly);
 * - active: it works (resolves re-auth and permission incidents with a recovery).
 * Any other value says nothing: undefined.
 */
const KINDS: ReadonlyMap<string, EventKind> = new Map([
  ["inactive", "error"],
  ["suspended", "error"],
  ["expired", "error"],
  ["error", "error"],
  ["archived", "account_deleted"],
  ["active", "recovery"],
]);

export function accountStatusKind(status: string | undefined): EventKind | undefined {
  return status === undefined ? undefined : KINDS.get(status.trim().toLowerCase());
}
