import type { KnownBlock } from "@slack/types";
import type { Clock } from "../clock.ts";
import type { Notice, NoticeKind } from "../incidents/notice.ts";
import type { Logger } from "../log.ts";
import { oneLine } from "../outside-text.ts";
import type { Category } from "../quirks/rule.ts";
import { providerName, truncate } from "../text-format.ts";
import type { SlackMessage } from "./slack.ts";
import { escapeMrkdwn } from "./slack-blocks.ts";
import type { SlackPoster } from "./slack-delivery.ts";
import type { SubscriptionStore } from "./subscription-store.ts";

/**
 * A budget per destination: each Slack channel gets notices on their own while it has had at
 * most `budget` in the current minute; the rest of that minute's notices are kept and sent as
 * one digest once the minute is over, grouped by provider and category. A flood becomes a few
 * messages a minute, and every notice is either sent or counted in a digest. Channels that a
 * customer reads (audience customer) only ever get their own account's notices, each on its own:
 * a digest names other customers.
 */

/** What a digest keeps of a folded notice. */
export type DigestEntry = {
  notice_id: string;
  incident_id: string;
  provider: string;
  category: Category;
  kind: NoticeKind;
  account: string;
};

/** One destination's digest of one minute (epoch minutes). */
export type DueDigest = { destination: string; minute: number };

/**
 * Where the budget is counted and folded notices wait (SQLite tables, or DynamoDB items). Every
 * method is safe to repeat: a retried notice is counted once.
 */
export interface DigestLedger {
  /** Counts a notice for a destination in `minute`; over `budget`, keeps it for the digest. */
  admit(
    destination: string,
    minute: number,
    entry: DigestEntry,
    budget: number,
  ): Promise<"send" | "fold">;
  /** Takes, for a while, up to `limit` digests of minutes before `minute` not yet sent. */
  claimDue(minute: number, nowMs: number, limit: number): Promise<DueDigest[]>;
  entries(digest: DueDigest): Promise<DigestEntry[]>;
  /** It was sent (or can never be): forget it. */
  done(digest: DueDigest): Promise<void>;
  /** Of these notice prefixes (`incident.generation.seq`), the ones folded into a digest. */
  folded(prefixes: string[]): Promise<Set<string>>;
}

/** A claimed digest not sent within this long may be taken by another sender. */
export const DIGEST_LEASE_MS = 60_000;

export const minuteOf = (date: Date) => Math.floor(date.getTime() / 60_000);

/** `inc_x.2.7.firing` -> `inc_x.2.7`: the incident's notice, whatever its kind. */
export const noticePrefix = (noticeId: string) => noticeId.slice(0, noticeId.lastIndexOf("."));

export function digestEntry(notice: Notice): DigestEntry {
  const i = notice.incident;
  return {
    notice_id: notice.id,
    incident_id: i.id,
    provider: i.provider,
    category: i.category,
    kind: notice.kind,
    account: truncate(oneLine(i.account.name ?? i.account.id), 80),
  };
}

const NAMES = 3;
const GROUPS = 20;
const KIND_WORDS: Record<NoticeKind, string> = {
  firing: "new",
  reminder: "still firing",
  resolved: "resolved",
  acknowledged: "acknowledged",
};
const fmt = (n: number) => n.toLocaleString("en-US");

/** The dashboard, filtered to one provider and category. */
function dashboardLink(base: string | undefined, provider: string, category: string) {
  if (!base) return undefined;
  const url = new URL(base);
  url.searchParams.set("provider", provider);
  url.searchParams.set("category", category);
  return url.toString();
}

/**
 * "1,996 more notices this minute: Greenhouse reauth_required for 1,996 accounts (1,996 new):
 * Acme, Initech, … and 1,993 more", one line per provider and category, each linking to the
 * dashboard filtered to it.
 */
export function renderDigest(
  entries: DigestEntry[],
  minute: number,
  dashboardUrl?: string,
): SlackMessage {
  const groups = new Map<string, DigestEntry[]>();
  for (const e of entries) {
    const key = `${e.provider}\u0000${e.category}`;
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  const sorted = [...groups.values()].sort((a, b) => b.length - a.length);
  const when = new Date(minute * 60_000).toISOString().slice(11, 16);
  const headline = `📦 ${fmt(entries.length)} more notice${entries.length === 1 ? "" : "s"} in the minute from ${when} UTC, in one digest`;
  const lines = sorted.slice(0, GROUPS).map((group) => {
    const first = group[0] as DigestEntry;
    const accounts = [...new Set(group.map((e) => e.account))];
    const kinds = (Object.keys(KIND_WORDS) as NoticeKind[])
      .map((k) => [k, group.filter((e) => e.kind === k).length] as const)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${fmt(n)} ${KIND_WORDS[k]}`)
      .join(", ");
    const names = accounts.slice(0, NAMES).join(", ");
    const more = accounts.length > NAMES ? `, … and ${fmt(accounts.length - NAMES)} more` : "";
    const what = `${providerName(first.provider)} ${first.category} for ${fmt(accounts.length)} account${accounts.length === 1 ? "" : "s"} (${kinds})`;
    const link = dashboardLink(dashboardUrl, first.provider, first.category);
    const label = escapeMrkdwn(what, 300);
    return `• ${link ? `<${link}|${label}>` : `*${label}*`}: ${escapeMrkdwn(names + more, 400)}`;
  });
  if (sorted.length > GROUPS) lines.push(`• _…and ${sorted.length - GROUPS} more groups_`);
  const blocks: KnownBlock[] = [
    { type: "header", block_id: "header", text: { type: "plain_text", text: headline } },
    {
      type: "section",
      block_id: "groups",
      text: { type: "mrkdwn", text: truncate(lines.join("\n"), 3_000) },
    },
    {
      type: "context",
      block_id: "context",
      elements: [
        {
          type: "mrkdwn",
          text: "This channel had its 5 notices of the minute on their own; the rest are counted here. Each is on the dashboard.",
        },
      ],
    },
  ];
  const text = `${headline}: ${sorted
    .slice(0, 3)
    .map((g) => `${providerName(g[0]?.provider ?? "")} ${g[0]?.category} ×${fmt(g.length)}`)
    .join("; ")}`;
  return { text: truncate(text, 3_000), blocks };
}

export type DigestFlushDeps = {
  ledger: DigestLedger;
  subscriptions: SubscriptionStore;
  poster: SlackPoster;
  defaultUrl: string | undefined;
  dashboardUrl?: string;
  log: Logger;
  clock: Clock;
};

/** A digest still not delivered this long after its minute is given up, with a log line. */
const GIVE_UP_MINUTES = 30;

/**
 * Sends every digest whose minute is over: one Slack message per destination and minute. A
 * failure leaves it for the next run (after the lease).
 */
export async function flushDigests(deps: DigestFlushDeps): Promise<number> {
  const now = deps.clock.now();
  const due = await deps.ledger.claimDue(minuteOf(now), now.getTime(), 50);
  if (due.length === 0) return 0;
  const subscriptions = await deps.subscriptions.list("slack");
  let sent = 0;
  for (const digest of due) {
    const subscription = subscriptions.find((s) => s.id === digest.destination);
    const url = digest.destination === "default" ? deps.defaultUrl : subscription?.target;
    if (!url || subscription?.broken_reason !== undefined) {
      await deps.ledger.done(digest);
      continue;
    }
    const entries = await deps.ledger.entries(digest);
    if (entries.length === 0) {
      await deps.ledger.done(digest);
      continue;
    }
    const message = renderDigest(entries, digest.minute, deps.dashboardUrl);
    const result = await deps.poster.post(url, message);
    if (result.status === "delivered") {
      sent += 1;
      await deps.ledger.done(digest);
    } else if (minuteOf(now) - digest.minute > GIVE_UP_MINUTES || result.status === "broken") {
      deps.log.warn("digest given up", {
        ...digest,
        notices: entries.length,
        reason: result.reason,
      });
      await deps.ledger.done(digest);
    } else {
      deps.log.warn("digest delivery failed; retried later", { ...digest, reason: result.reason });
    }
  }
  return sent;
}
