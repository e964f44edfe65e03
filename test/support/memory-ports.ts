import type { IntegrationEvent } from "../../shared/events/event.ts";
import { EVENT_RETENTION_SECONDS } from "../../shared/events/event-time.ts";
import { type EventQueue, type QueueMessage, QueueUnavailable } from "../../shared/events/queue.ts";
import type { Mute, MuteStore } from "../../shared/incidents/mute.ts";
import type { IncidentRecord } from "../../shared/incidents/record.ts";
import type {
  Claim,
  EventKey,
  IncidentFilter,
  IncidentStore,
} from "../../shared/incidents/store.ts";
import {
  DIGEST_LEASE_MS,
  type DigestEntry,
  type DigestLedger,
  type DueDigest,
  noticePrefix,
} from "../../shared/notify/digest.ts";
import type { SubscriptionFilter } from "../../shared/notify/filter.ts";
import type { Subscription, SubscriptionKind } from "../../shared/notify/subscription.ts";
import type { SubscriptionStore } from "../../shared/notify/subscription-store.ts";
import type { CursorStore } from "../../shared/sources/cursor-store.ts";

/**
 * Every store port, and the events queue, in memory (Alertmanager's provider/mem): what unit tests use instead of
 * starting dynalite, and the third engine of the contract suite, which holds them to the same
 * behaviour as SQLite and DynamoDB. Values are copied in and out, as a database would.
 */

const copy = <T>(value: T): T => structuredClone(value);
const epochNow = () => Math.floor(Date.now() / 1000);
const live = (r: { expires_at?: number }) =>
  r.expires_at === undefined || r.expires_at > epochNow();

type StoredClaim = { token: string; message_id: string; expires_at: number };

export class MemoryIncidentStore implements IncidentStore {
  private readonly claims = new Map<string, StoredClaim>();
  private readonly records = new Map<string, IncidentRecord>();

  async claimEvent(key: EventKey, claim: { token: string; message_id: string }): Promise<Claim> {
    const id = `${key.source}\n${key.id}`;
    const held = this.claims.get(id);
    if (held === undefined || held.expires_at <= epochNow()) {
      this.claims.set(id, { ...claim, expires_at: epochNow() + EVENT_RETENTION_SECONDS });
      return { status: "claimed" };
    }
    // Our own earlier try of the same claim (as an SDK may retry one) counts as ours.
    if (held.token === claim.token && held.message_id === claim.message_id)
      return { status: "claimed" };
    return {
      status: "duplicate",
      token: held.token,
      message_id: held.message_id,
      claimed_at: held.expires_at - EVENT_RETENTION_SECONDS,
    };
  }

  async reclaimEvent(key: EventKey, from: string, to: string): Promise<boolean> {
    const held = this.claims.get(`${key.source}\n${key.id}`);
    if (held === undefined || (held.token !== from && held.token !== to)) return false;
    held.token = to;
    return true;
  }

  async getIncident(id: string): Promise<IncidentRecord | undefined> {
    const record = this.records.get(id);
    return record && live(record) ? copy(record) : undefined;
  }

  async saveIncident(record: IncidentRecord, expectedVersion: number | undefined) {
    const stored = this.records.get(record.id);
    const free = stored === undefined || !live(stored);
    if (expectedVersion === undefined ? !free : stored?.version !== expectedVersion) return false;
    this.records.set(record.id, { ...copy(record), version: (expectedVersion ?? 0) + 1 });
    return true;
  }

  async dueIncidents(nowEpoch: number, limit: number): Promise<IncidentRecord[]> {
    return this.open()
      .filter((r) => (r.due_at as number) <= nowEpoch)
      .slice(0, limit);
  }

  async openIncidentsForAccount(accountId: string): Promise<IncidentRecord[]> {
    return this.open().filter((r) => r.account.id === accountId);
  }

  async listIncidents(filter: IncidentFilter): Promise<IncidentRecord[]> {
    const { after } = filter;
    return [...this.records.values()]
      .filter(
        (r) =>
          live(r) &&
          (filter.status === undefined || r.status === filter.status) &&
          (filter.account_id === undefined || r.account.id === filter.account_id) &&
          (filter.provider === undefined || r.provider === filter.provider) &&
          (filter.category === undefined || r.category === filter.category) &&
          // Provider incidents stand under a reserved account id (outage-hold.ts).
          (filter.scope === undefined ||
            r.account.id.startsWith("provider:") === (filter.scope === "provider")) &&
          (after === undefined ||
            r.last_seen < after.last_seen ||
            (r.last_seen === after.last_seen && r.id < after.id)),
      )
      .sort((a, b) => compare(b.last_seen, a.last_seen) || compare(b.id, a.id))
      .slice(0, filter.limit)
      .map(copy);
  }

  /** Open records (`due_at` set), soonest due first. */
  private open(): IncidentRecord[] {
    return [...this.records.values()]
      .filter((r) => r.due_at !== undefined && live(r))
      .sort((a, b) => (a.due_at as number) - (b.due_at as number))
      .map(copy);
  }
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export class MemoryMuteStore implements MuteStore {
  private readonly mutes = new Map<string, Mute>();

  async create(mute: Mute): Promise<void> {
    if (this.mutes.has(mute.id)) throw new Error(`mute ${mute.id} exists`);
    this.mutes.set(mute.id, copy(mute));
  }

  async active(now: Date): Promise<Mute[]> {
    return [...this.mutes.values()]
      .filter((m) => Date.parse(m.ends_at) > now.getTime())
      .sort((a, b) => compare(b.created_at, a.created_at) || compare(b.id, a.id))
      .map(copy);
  }

  async remove(id: string): Promise<Mute | undefined> {
    const mute = this.mutes.get(id);
    this.mutes.delete(id);
    return mute;
  }
}

export class MemorySubscriptionStore implements SubscriptionStore {
  private readonly subscriptions = new Map<string, Subscription>();

  async create(subscription: Subscription): Promise<void> {
    if (this.subscriptions.has(subscription.id))
      throw new Error(`subscription ${subscription.id} exists`);
    this.subscriptions.set(subscription.id, copy(subscription));
  }

  async get(id: string): Promise<Subscription | undefined> {
    const subscription = this.subscriptions.get(id);
    return subscription && copy(subscription);
  }

  async list(kind?: SubscriptionKind): Promise<Subscription[]> {
    return [...this.subscriptions.values()]
      .filter((s) => kind === undefined || s.kind === kind)
      .sort((a, b) => compare(b.created_at, a.created_at) || compare(b.id, a.id))
      .map(copy);
  }

  async updateFilter(id: string, filter: SubscriptionFilter): Promise<Subscription | undefined> {
    const existing = this.subscriptions.get(id);
    if (!existing) return undefined;
    const next = { ...existing, filter: copy(filter) };
    this.subscriptions.set(id, next);
    return copy(next);
  }

  async remove(id: string): Promise<Subscription | undefined> {
    const existing = this.subscriptions.get(id);
    this.subscriptions.delete(id);
    return existing;
  }

  async markBroken(id: string, reason: string, at: string): Promise<boolean> {
    const existing = this.subscriptions.get(id);
    if (!existing || existing.broken_reason !== undefined) return false;
    this.subscriptions.set(id, { ...existing, broken_reason: reason, broken_at: at });
    return true;
  }
}

export class MemoryCursorStore implements CursorStore {
  private readonly values = new Map<string, string>();

  async get(name: string): Promise<string | undefined> {
    return this.values.get(name);
  }

  async set(name: string, value: string): Promise<void> {
    this.values.set(name, value);
  }
}

type Admitted = { minute: number; folded?: DigestEntry };

export class MemoryDigestLedger implements DigestLedger {
  /** Each notice admitted, by destination and notice id; a folded one keeps its entry. */
  private readonly admitted = new Map<string, Admitted>();
  /** Digests owed, with the lease of whoever took them. */
  private readonly owed = new Map<string, DueDigest & { lease_until: number }>();
  /** The last notice of each incident folded into a digest. */
  private readonly folds = new Map<string, string>();

  async admit(destination: string, minute: number, entry: DigestEntry, budget: number) {
    const key = `${destination}\n${entry.notice_id}`;
    // A retried notice keeps the answer it had the first time.
    const earlier = this.admitted.get(key);
    if (earlier) return earlier.folded ? "fold" : "send";
    const admitted: Admitted = { minute };
    this.admitted.set(key, admitted);
    if (this.inMinute(destination, minute).length <= budget) return "send";
    admitted.folded = copy(entry);
    const digest = `${destination}\n${minute}`;
    if (!this.owed.has(digest)) this.owed.set(digest, { destination, minute, lease_until: 0 });
    this.folds.set(entry.incident_id, noticePrefix(entry.notice_id));
    return "fold";
  }

  async claimDue(minute: number, nowMs: number, limit: number): Promise<DueDigest[]> {
    const due = [...this.owed.values()]
      .filter((d) => d.minute < minute && d.lease_until <= nowMs)
      .sort((a, b) => a.minute - b.minute)
      .slice(0, limit);
    for (const d of due) d.lease_until = nowMs + DIGEST_LEASE_MS;
    return due.map(({ destination, minute }) => ({ destination, minute }));
  }

  async entries(digest: DueDigest): Promise<DigestEntry[]> {
    return this.inMinute(digest.destination, digest.minute).flatMap((a) =>
      a.folded ? [copy(a.folded)] : [],
    );
  }

  async done(digest: DueDigest): Promise<void> {
    this.owed.delete(`${digest.destination}\n${digest.minute}`);
  }

  async folded(prefixes: string[]): Promise<Set<string>> {
    return new Set(prefixes.filter((p) => this.folds.get(p.slice(0, p.indexOf("."))) === p));
  }

  private inMinute(destination: string, minute: number): Admitted[] {
    return [...this.admitted]
      .filter(([key, a]) => key.startsWith(`${destination}\n`) && a.minute === minute)
      .map(([, a]) => a);
  }
}

/**
 * The events queue in memory: what was sent, in order; with `room`, a queue that fills up
 * (QueueUnavailable); with `failures`, the next sends fail as a service that is down does.
 */
export class MemoryEventQueue implements EventQueue {
  readonly messages: QueueMessage[] = [];
  /** How many of the next sends fail with an error the queue did not explain. */
  failures = 0;

  constructor(private readonly room = Number.POSITIVE_INFINITY) {}

  async send(messages: QueueMessage[]): Promise<void> {
    if (this.failures > 0) {
      this.failures--;
      throw new Error("the queue is down");
    }
    if (this.messages.length + messages.length > this.room)
      throw new QueueUnavailable("the queue is full");
    this.messages.push(...messages);
  }

  /** The bodies sent, in order. */
  get bodies(): string[] {
    return this.messages.map((m) => m.body);
  }

  /** The events sent, in order. */
  events(): IntegrationEvent[] {
    return this.messages.map((m) => JSON.parse(m.body));
  }

  ids = () => this.events().map((e) => e.id);
}
