import { basename } from "node:path";
import Database from "better-sqlite3";
import { privateFile } from "./private-files.ts";

export type Db = Database.Database;

/** Incidents, claims, the outbox and everything else the engine's worker owns, under DATA_DIR. */
export const DATABASE_FILE = "quirkwatch.db";
/** Accepted events not yet processed, under DATA_DIR: the HTTP thread appends to it. */
export const QUEUE_FILE = "queue.db";

export type DatabaseOptions = {
  /** A cap on the file's size: past it, writes fail as on a full disk (SQLITE_FULL). */
  maxBytes?: number;
};

/** The database was written by a newer Quirkwatch, whose schema this one cannot read. */
export class SchemaTooNew extends Error {
  override name = "SchemaTooNew";
}

/**
 * Opens (creating if needed) a database file and brings its schema (`migrations`) up to date.
 * WAL lets readers (the other thread, a backup, the sqlite3 shell) work beside the writer. Every
 * commit survives a crash of the process (synchronous=NORMAL: the WAL is written before the
 * commit returns); what must survive power loss too waits for an fsync of the WAL (`WalSync`).
 */
export function openDatabase(
  path: string,
  migrations: string[],
  options: DatabaseOptions = {},
): Db {
  privateFile(path);
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
    migrate(db, migrations);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Applies the migrations this file has not seen, each in its own transaction. */
function migrate(db: Db, migrations: string[]): void {
  const version = db.pragma("user_version", { simple: true }) as number;
  if (version > migrations.length) {
    throw new SchemaTooNew(
      `${basename(db.name)} has schema version ${version}; this Quirkwatch knows up to ${migrations.length}: upgrade Quirkwatch`,
    );
  }
  for (let v = version; v < migrations.length; v++) {
    db.transaction(() => {
      db.exec(migrations[v] ?? "");
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
