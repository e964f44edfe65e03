import type { SubscriptionFilter } from "../../notify/filter.ts";
import type { Subscription, SubscriptionKind } from "../../notify/subscription.ts";
import type { SubscriptionStore } from "../../notify/subscription-store.ts";
import type { Db } from "./database.ts";

type Row = { subscription: string };

/** Subscriptions in SQLite: the subscription as a JSON document, by id, newest first. */
export class SqliteSubscriptionStore implements SubscriptionStore {
  private readonly sql;

  constructor(private readonly db: Db) {
    this.sql = {
      insert: db.prepare(
        "INSERT INTO subscriptions (id, kind, created_at, subscription) VALUES (?, ?, ?, ?)",
      ),
      get: db.prepare<[string], Row>("SELECT subscription FROM subscriptions WHERE id = ?"),
      all: db.prepare<[], Row>(
        "SELECT subscription FROM subscriptions ORDER BY created_at DESC, id DESC",
      ),
      ofKind: db.prepare<[string], Row>(
        "SELECT subscription FROM subscriptions WHERE kind = ? ORDER BY created_at DESC, id DESC",
      ),
      replace: db.prepare("UPDATE subscriptions SET subscription = ? WHERE id = ?"),
      remove: db.prepare("DELETE FROM subscriptions WHERE id = ?"),
    };
  }

  async create(subscription: Subscription): Promise<void> {
    const { id, kind, created_at } = subscription;
    this.sql.insert.run(id, kind, created_at, JSON.stringify(subscription));
  }

  async get(id: string): Promise<Subscription | undefined> {
    return this.read(id);
  }

  async list(kind?: SubscriptionKind): Promise<Subscription[]> {
    const rows = kind ? this.sql.ofKind.all(kind) : this.sql.all.all();
    return rows.map((row) => JSON.parse(row.subscription) as Subscription);
  }

  async updateFilter(id: string, filter: SubscriptionFilter): Promise<Subscription | undefined> {
    return this.change(id, (s) => ({ ...s, filter }));
  }

  async remove(id: string): Promise<Subscription | undefined> {
    return this.db.transaction(() => {
      const existing = this.read(id);
      if (existing) this.sql.remove.run(id);
      return existing;
    })();
  }

  async markBroken(id: string, reason: string, at: string): Promise<boolean> {
    return this.db.transaction(() => {
      const existing = this.read(id);
      if (!existing || existing.broken_reason !== undefined) return false;
      this.sql.replace.run(
        JSON.stringify({ ...existing, broken_reason: reason, broken_at: at }),
        id,
      );
      return true;
    })();
  }

  private change(id: string, update: (s: Subscription) => Subscription) {
    return this.db.transaction(() => {
      const existing = this.read(id);
      if (!existing) return undefined;
      const next = update(existing);
      this.sql.replace.run(JSON.stringify(next), id);
      return next;
    })();
  }

  private read(id: string): Subscription | undefined {
    const row = this.sql.get.get(id);
    return row ? (JSON.parse(row.subscription) as Subscription) : undefined;
  }
}
