import type { CursorStore } from "../../sources/cursor-store.ts";
import type { Db } from "./database.ts";

/** Cursors of polled sources in SQLite: one value per name. */
export class SqliteCursorStore implements CursorStore {
  private readonly sql;

  constructor(db: Db) {
    this.sql = {
      get: db.prepare<[string], { value: string }>("SELECT value FROM cursors WHERE name = ?"),
      set: db.prepare(
        "INSERT INTO cursors (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
      ),
    };
  }

  async get(name: string): Promise<string | undefined> {
    return this.sql.get.get(name)?.value;
  }

  async set(name: string, value: string): Promise<void> {
    this.sql.set.run(name, value);
  }
}
