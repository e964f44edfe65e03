import type { HttpRequest, HttpResponse } from "../http.ts";
import { error, json } from "../http.ts";
import { type IncidentReadDeps, incidentView } from "./incidents.ts";

/** Resolved incidents this recent are shown with an account's open ones. */
export const RECENT_DAYS = 7;
const ACCOUNT_ID = /^[^\s/]{1,256}$/;

/**
 * `GET /accounts/{account_id}`: the customer's open and recent incidents, per provider. Accounts
 * are known only through their incidents: one with none answers an empty list, not a 404.
 */
export async function getAccount(
  request: HttpRequest,
  deps: IncidentReadDeps,
): Promise<HttpResponse> {
  const accountId = request.params.account_id ?? "";
  if (!ACCOUNT_ID.test(accountId)) {
    return error(422, "invalid account id", [
      { path: "account_id", message: "1 to 256 characters, no spaces or slashes" },
    ]);
  }
  const now = deps.clock.now();
  const since = now.getTime() - RECENT_DAYS * 24 * 3600e3;
  const [records, mutes] = await Promise.all([
    deps.store.listIncidents({ account_id: accountId, limit: 1000 }),
    deps.mutes.active(now),
  ]);
  const context = { mutes, now, reauthUrlTemplate: deps.reauthUrlTemplate, links: deps.links };
  const providers = new Map<string, { open: unknown[]; recent: unknown[] }>();
  let name: string | undefined;
  for (const record of records) {
    const recent = record.status === "resolved";
    if (recent && Date.parse(record.resolved_at ?? "") < since) continue;
    name ??= record.account.name;
    const entry = providers.get(record.provider) ?? { open: [], recent: [] };
    providers.set(record.provider, entry);
    (recent ? entry.recent : entry.open).push(incidentView(record, context));
  }
  return json(200, {
    account_id: accountId,
    account_name: name,
    providers: [...providers]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([provider, incidents]) => ({ provider, ...incidents })),
  });
}
