import type { EventKind, IntegrationEvent } from "../../events/event.ts";
import { parseEvent } from "../../events/parse-event.ts";
import { errorText, fallbackLog, type Logger } from "../../log.ts";

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

/** Reads a linked account's current status from StackOne; undefined when it cannot say. */
export type AccountStatusLookup = (accountId: string) => Promise<string | undefined>;

/** Lookups one webhook may cause; StackOne sends one event a webhook. */
const MAX_LOOKUPS = 10;

/**
 * StackOne's documented `account.updated` carries no `status`: such an event (kind `info`) takes
 * the kind of the account's status as StackOne has it now. Lookups run together, one per
 * account; one that fails leaves its events as they are.
 */
export async function withAccountStatus(
  events: IntegrationEvent[],
  lookup: AccountStatusLookup,
  log: Logger = fallbackLog,
): Promise<IntegrationEvent[]> {
  const unsure = (e: IntegrationEvent) =>
    e.source === "stackone" && e.type === "account.updated" && e.kind === "info";
  const ids = [...new Set(events.filter(unsure).map((e) => e.account.id))].slice(0, MAX_LOOKUPS);
  if (ids.length === 0) return events;
  const kinds = new Map<string, EventKind | undefined>(
    await Promise.all(
      ids.map(async (id): Promise<[string, EventKind | undefined]> => {
        try {
          return [id, accountStatusKind(await lookup(id))];
        } catch (error) {
          log.warn("could not read an account's status from StackOne", {
            account_id: id,
            error: errorText(error),
          });
          return [id, undefined];
        }
      }),
    ),
  );
  return events.map((event) => {
    const kind = unsure(event) ? kinds.get(event.account.id) : undefined;
    return kind === undefined ? event : parseEvent({ ...event, kind });
  });
}
