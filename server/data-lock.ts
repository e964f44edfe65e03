import { join, resolve } from "node:path";
import Database from "better-sqlite3";
import { ensurePrivateDir, privateFile } from "../shared/adapters/sqlite/private-files.ts";
import { StartupError } from "./startup-error.ts";

/** `notice`: the one line to print when the folder's permissions had to be tightened. */
export type DataLock = { release(): void; notice?: string };

/**
 * Holds the data folder for this process: an exclusive SQLite lock on `quirkwatch.lock`, which
 * the operating system releases when the process ends, however it ends (SIGKILL too), so there
 * is never a stale lock to delete. A second stack on the same folder fails to take it.
 */
export function lockDataDir(dataDir: string): DataLock {
  const notice = ensurePrivateDir(dataDir);
  const path = join(dataDir, "quirkwatch.lock");
  privateFile(path);
  const db = new Database(path);
  try {
    db.pragma("locking_mode = EXCLUSIVE");
    // The first write takes the exclusive lock; EXCLUSIVE mode keeps it until close.
    db.exec("BEGIN EXCLUSIVE; COMMIT;");
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code === "SQLITE_BUSY") {
      throw new StartupError(
        `the data folder ${resolve(dataDir)} is in use by another running Quirkwatch: stop it, or set DATA_DIR to another folder`,
      );
    }
    throw error;
  }
  return { release: () => db.close(), ...(notice === undefined ? {} : { notice }) };
}
