import Database from "better-sqlite3";
import { MIGRATIONS } from "./migrations.ts";

export type Db = Database.Database;

/** The one database file under DATA_DIR. */
export const DATABASE_FILE = "quirkwatch.db";

export type DatabaseOptions = {
  /** A cap on the database's size: past it, writes fail as on a full disk (SQLITE_FULL). */
  maxBytes?: number;
};

/** The database was written by a newer Quirkwatch, whose schema this one cannot read. */
export class SchemaTooNew extends Error {
  override name = "SchemaTooNew";
}

/**
 * Opens (creating if needed) the database and brings its schema up to date. WAL lets readers
 * (a backup, the sqlite3 shell) work beside the writer. Every commit survives a crash of the
 * process (synchronous=NORMAL: the WAL is written before the commit returns); the events queue
 * also waits for an fsync of the WAL (`WalSync`) before a 202, so those survive power loss.
 */
export function openDatabase(path: string, options: DatabaseOptions = {}): Db {
  const db = new Database(path);
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    // Another process reading (a backup) may hold a lock for a moment.
    db.pragma("busy_timeout = 5000");
    // The hot pages (incidents, the newest claims, the queue); the OS caches the rest.
    db.pragma("cache_size = -8000");
    // After a checkpoint, the WAL file shrinks back to this.
    db.pragma("journal_size_limit = 67108864");
    if (options.maxBytes !== undefined) {
      const pageSize = db.pragma("page_size", { simple: true }) as number;
      db.pragma(`max_page_count = ${Math.max(1, Math.floor(options.maxBytes / pageSize))}`);
    }
    migrate(db);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Applies the migrations this file has not seen, each in its own transaction. */
function migrate(db: Db): void {
  const version = db.pragma("user_version", { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    throw new SchemaTooNew(
      `the database has schema version ${version}; this Quirkwatch knows up to ${MIGRATIONS.length}: upgrade Quirkwatch`,
    );
  }
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v] ?? "");
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

/** The disk (or the size cap) is full: a write failed for want of room, not for a bug. */
export function isFull(error: unknown): boolean {
  const code = (error as { code?: string } | undefined)?.code ?? "";
  return code === "SQLITE_FULL" || code.startsWith("SQLITE_IOERR");
}

/** Epoch seconds, as the domain's `due_at` and `expires_at` are. */
export const epochSeconds = (ms = Date.now()) => Math.floor(ms / 1000);
