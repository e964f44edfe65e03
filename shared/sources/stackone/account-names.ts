import type { IntegrationEvent } from "../../events/event.ts";
import { parseEvent } from "../../events/parse-event.ts";
import type { PollLog } from "./poll-report.ts";
import type { RequestLogsApi } from "./request-logs-client.ts";

/** Who each account belongs to, as StackOne's linked account says (nothing, when it does not). */
export type AccountNames = Map<
  string,
  Pick<IntegrationEvent["account"], "name" | "owner_id" | "owner_name">
>;

/** Names kept across runs: a poller names each account once, not once a minute. */
const NAMES_MAX = 10_000;

/**
 * Names the customer of each polled event, from StackOne's linked account: a request log carries
 * only the account id. `names` outlives the run (the caller keeps it); lookups are counted per
 * run, up to `maxLookups`. A name that cannot be had is no reason to hold an event back.
 */
export class AccountNamer {
  private lookups = 0;

  constructor(
    private readonly api: Pick<RequestLogsApi, "getAccount">,
    private readonly names: AccountNames,
    private readonly maxLookups: number,
    private readonly log: PollLog,
  ) {}

  async named(event: IntegrationEvent): Promise<IntegrationEvent> {
    if (event.account.name !== undefined || event.source !== "stackone") return event;
    const id = event.account.id;
    if (!this.names.has(id)) {
      if (this.lookups >= this.maxLookups) return event;
      this.lookups += 1;
      try {
        const account = await this.api.getAccount(id);
        const text = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
        this.names.set(id, {
          name: text(account?.origin_owner_name),
          owner_id: text(account?.origin_owner_id),
          owner_name: text(account?.origin_username),
        });
      } catch (error) {
        // e.g. a key that may read logs but not accounts: ask again next run.
        this.log.warn("could not look up an account's name", {
          account_id: id,
          error: String(error),
        });
        return event;
      }
      if (this.names.size > NAMES_MAX) this.names.delete(this.names.keys().next().value as string);
    }
    const names = this.names.get(id);
    if (!names) return event;
    return parseEvent({ ...event, account: { ...names, ...withoutUndefined(event.account) } });
  }
}

function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
