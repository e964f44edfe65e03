import type { Mute, MuteStore } from "../../incidents/mute.ts";
import type { Db } from "./database.ts";

type Row = { mute: string };

/** Mutes in SQLite, with their end in epoch milliseconds so ended ones are never read. */
export class SqliteMuteStore implements MuteStore {
  private readonly sql;

  constructor(private readonly db: Db) {
    this.sql = {
      insert: db.prepare("INSERT INTO mutes (id, created_at, ends_at, mute) VALUES (?, ?, ?, ?)"),
      active: db.prepare<[number], Row>(
        "SELECT mute FROM mutes WHERE ends_at > ? ORDER BY created_at DESC, id DESC",
      ),
      get: db.prepare<[string], Row>("SELECT mute FROM mutes WHERE id = ?"),
      remove: db.prepare("DELETE FROM mutes WHERE id = ?"),
    };
  }

  async create(mute: Mute): Promise<void> {
    this.sql.insert.run(mute.id, mute.created_at, Date.parse(mute.ends_at), JSON.stringify(mute));
  }

  async active(now: Date): Promise<Mute[]> {
    return this.activeAt(now);
  }

  /** `active`, synchronously: for reads inside a transaction. */
  activeAt(now: Date): Mute[] {
    return this.sql.active.all(now.getTime()).map((row) => JSON.parse(row.mute) as Mute);
  }

  async remove(id: string): Promise<Mute | undefined> {
    return this.db.transaction(() => {
      const row = this.sql.get.get(id);
      if (!row) return undefined;
      this.sql.remove.run(id);
      return JSON.parse(row.mute) as Mute;
    })();
  }
}
