import type { Classification } from "../classify/classifier.ts";
import { providerIncidentAccounts, providerIncidentWindowSeconds } from "../config.ts";
import type { IntegrationEvent } from "../events/event.ts";
import type { AlertPolicy, Category } from "../quirks/rule.ts";
import { providerName } from "../text-format.ts";
import { change } from "./change.ts";
import type { Account } from "./incident.ts";
import { announce } from "./notice-decisions.ts";
import { joinsOutage, outageId, outageOf, PROVIDER_ACCOUNT_PREFIX } from "./outage-hold.ts";
import { type IncidentRecord, type PendingNotice, type Silences, withDueAt } from "./record.ts";
import { applyEvents, resolveIncident } from "./state-changes.ts";
import type { Sequence } from "./steps.ts";
import { addBuckets, minuteKey } from "./tallies.ts";

/**
 * Provider incidents: one incident for a provider failing many accounts at once (an outage, a
 * bad deploy, StackOne's own incident), instead of one alert per account. Account incidents of a
 * provider-side category count toward their provider's incident (outage-hold.ts); once enough
 * distinct accounts within the window have joined, it fires once, and the account incidents it
 * covers send nothing of their own while it is open. Both engines run these decisions: SQLite in
 * the batch's transaction, DynamoDB with one conditional write per provider incident per batch.
 */

/** How many account names a provider incident shows. */
const SAMPLE = 8;

/** Status pages, where the provider has one. */
export const STATUS_PAGES: Record<string, string> = {
  lever: "https://status.lever.co",
  greenhouse: "https://status.greenhouse.io",
  smartrecruiters: "https://status.smartrecruiters.com",
  bullhorn: "https://status.bullhorn.com",
};

const WORDS: Partial<Record<Category, string>> = {
  server_error: "server errors",
  provider_unavailable: "unavailable",
  rate_limited: "rate limits",
};

/** One account incident's part in a batch: its events, and whether it newly joined. */
export type Contribution = {
  account: Account;
  events: IntegrationEvent[];
  joined: boolean;
  policy: AlertPolicy;
  category: Category;
};

/** The provider incidents the batch's account incidents may count toward, read before deciding. */
export function outageIds(groups: Iterable<{ provider: string; category: Category }>): string[] {
  const ids = new Set<string>();
  for (const g of groups) ids.add(outageId(g.provider, g.category));
  return [...ids];
}

/**
 * What each account incident written in a batch brings its provider incident, by its id. A
 * provider incident that is not open yet only needs accounts that join: one account's storm then
 * costs no second write per batch.
 */
export function contributions(
  outages: ReadonlyMap<string, IncidentRecord | undefined> | undefined,
  written: {
    before: IncidentRecord | undefined;
    after: IncidentRecord;
    events: IntegrationEvent[];
  }[],
): Map<string, Contribution[]> {
  const out = new Map<string, Contribution[]>();
  for (const { before, after, events } of written) {
    const id = outageOf(after);
    if (id === undefined || after.outage === undefined || !joinsOutage(after)) continue;
    const entry: Contribution = {
      account: after.account,
      events,
      joined: after.outage !== before?.outage,
      policy: after.policy,
      category: after.category,
    };
    out.set(id, [...(out.get(id) ?? []), entry]);
  }
  for (const [id, joining] of out)
    if (outages?.get(id)?.status !== "firing" && !joining.some((c) => c.joined)) out.delete(id);
  return out;
}

/** The provider's settings, or a rule's own: how many accounts within how long. */
function threshold(policy: AlertPolicy): { accounts: number; window_seconds: number } {
  const own = policy.provider_incident === false ? undefined : policy.provider_incident;
  return {
    accounts: own?.accounts ?? providerIncidentAccounts(),
    window_seconds: own?.window_seconds ?? providerIncidentWindowSeconds(),
  };
}

/**
 * Counts a batch's contributions into the provider incident `id`: its events, the accounts that
 * joined, the provider's latest words. It fires once enough accounts joined within the window;
 * a reminder (the rule's repeat interval) says how the number of accounts moved.
 */
export function applyOutage(
  current: IncidentRecord | undefined,
  id: string,
  joining: Contribution[],
  now: Date,
  token: string,
  silences: Silences & { recordApplied?: boolean },
): IncidentRecord {
  const first = joining[0];
  const event = first?.events[0];
  if (first === undefined || event === undefined) throw new Error("applyOutage needs events");
  const provider = event.provider;
  const category = first.category;
  const policy = first.policy;
  const classification: Classification = {
    rule_id: `quirkwatch.provider_incident.${category}`,
    incident_key: `outage.${category}`,
    category,
    severity: "critical",
    must_act: "us",
    title: "",
    what_happened: "",
    remediation: [],
    retry: { retryable: true, backoff: "exponential" },
    docs_url: undefined,
    // Events alone never fire it: accounts do (below).
    alert: { ...policy, threshold: { count: 2 ** 31 - 1, window_seconds: 60 } },
    explanation: [],
  };
  const events = joining.flatMap((c) => c.events);
  const next = applyEvents(current, { incidentId: id, classification, events }, now, token, {
    ...silences,
    outages: undefined,
  });
  const reopened = current === undefined || next.generation !== current.generation;
  const joined = joining.filter((c) => c.joined);
  const settings = threshold(policy);
  const names = reopened ? [] : (current.sample_accounts ?? []);
  for (const c of joined) {
    const name = c.account.name ?? c.account.id;
    if (names.length < SAMPLE && !names.includes(name)) names.push(name);
  }
  const record: IncidentRecord = {
    ...next,
    scope: "provider",
    account: { id: `${PROVIDER_ACCOUNT_PREFIX}${provider}`, name: `${providerName(provider)}` },
    affected_accounts: (reopened ? 0 : (current.affected_accounts ?? 0)) + joined.length,
    sample_accounts: names,
    recovered: reopened ? 0 : current.recovered,
    joins: addBuckets(
      reopened ? {} : (current.joins ?? {}),
      joined.map(() => now.toISOString()),
      minuteKey,
      minuteKey(new Date(now.getTime() - settings.window_seconds * 1000).toISOString()),
    ),
    outage: undefined,
    group_until: undefined,
  };
  Object.assign(record, wording(record));
  const inWindow = Object.values(record.joins ?? {}).reduce((a, b) => a + b, 0);
  if (record.status === "pending" && inWindow >= settings.accounts) {
    record.status = "firing";
    announce(record, "firing", now, token, silences);
  }
  // A reminder applyEvents decided says how the number of accounts moved.
  record.outbox = record.outbox.map((n) =>
    n.owner === token && n.kind === "reminder" && n.affected_before === undefined
      ? { ...n, affected_before: current?.notified_affected }
      : n,
  );
  return withDueAt(record, now);
}

/**
 * What the provider incident says: "Lever is failing for 37 accounts (server errors since
 * 14:02 UTC)", what that means, and what to do.
 */
export function wording(
  record: Pick<
    IncidentRecord,
    "provider" | "category" | "affected_accounts" | "first_seen" | "sample_accounts"
  >,
) {
  const name = providerName(record.provider);
  const n = record.affected_accounts ?? 0;
  const accounts = n === 1 ? "1 account" : `${n} accounts`;
  const since = `${record.first_seen.slice(11, 16)} UTC`;
  const words = WORDS[record.category] ?? record.category;
  const page = STATUS_PAGES[record.provider.toLowerCase()];
  return {
    title: `${name} is failing for ${accounts} (${words} since ${since})`,
    what_happened: `${name} has answered with ${words} for ${accounts} since ${record.first_seen.slice(0, 16).replace("T", " ")} UTC${record.sample_accounts?.length ? `, among them ${record.sample_accounts.join(", ")}` : ""}. It is a provider-wide problem, not one customer's: the accounts' own alerts are held back while it lasts.`,
    remediation: [
      `Wait: requests retried with backoff succeed once ${name} recovers, and Quirkwatch tells you when it is over.`,
      page ? `Check ${name}'s status page: ${page}` : `Check ${name}'s status page, if it has one.`,
      `If ${name} says it is up, contact StackOne support with a request id below: the fault may be StackOne's.`,
    ],
  };
}

/**
 * Counts account incidents that resolved into the provider incident they joined; once most of
 * its accounts have recovered, it resolves (one resolved notice). Returns what it changed.
 */
export function* countingRecoveries(
  resolved: IncidentRecord[],
  { token, now, silences }: { token: string; now: Date; silences: Silences },
  publishable: (record: IncidentRecord) => PendingNotice[],
): Sequence<IncidentRecord[]> {
  const byMark = new Map<string, number>();
  for (const r of resolved)
    if (r.outage !== undefined) byMark.set(r.outage, (byMark.get(r.outage) ?? 0) + 1);
  const out: IncidentRecord[] = [];
  for (const [mark, n] of byMark) {
    const id = mark.slice(0, mark.lastIndexOf("#"));
    const decide = (current: IncidentRecord) => {
      if (current.status === "resolved" || `${id}#${current.generation}` !== mark) return undefined;
      const next = { ...current, recovered: (current.recovered ?? 0) + n };
      const most = (next.recovered ?? 0) * 2 > (next.affected_accounts ?? 0);
      return most && next.status === "firing"
        ? resolveIncident(next, "recovery", now, token, silences)
        : withDueAt(next, now);
    };
    const { record, changed } = yield* change(id, decide, publishable);
    if (changed && record) out.push(record);
  }
  return out;
}
