import type { Db } from "./database.ts";

/** About the largest event the queue takes: room for less is as good as full. */
const PROBE_BYTES = 16 * 1024;

/**
 * Whether `db` takes a write now: `sql` (one row of `?`) is run inside a savepoint and rolled
 * back, so the file is unchanged. Undefined when it can; else what SQLite said (full, read-only,
 * locked). Synchronous, like every better-sqlite3 call: it never lands inside another write.
 */
export function probeWrite(db: Db, sql: string): string | undefined {
  const rollback = new Error("rollback");
  try {
    db.transaction(() => {
      db.prepare(sql).run("x".repeat(PROBE_BYTES));
      throw rollback;
    })();
  } catch (error) {
    if (error === rollback) return undefined;
    return error instanceof Error ? error.message : String(error);
  }
  return undefined;
}
