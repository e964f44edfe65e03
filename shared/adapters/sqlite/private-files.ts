import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from "node:fs";
import { resolve } from "node:path";

/**
 * The data folder holds webhook signing secrets, Slack URLs and the admin token: only its owner
 * may read it. The folder is 0700 and each database file 0600; SQLite gives a database's `-wal`
 * and `-shm` files the database file's mode.
 */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Creates `dir` 0700, or tightens one that others may enter. Returns the one line to print when
 * it changed an existing folder's permissions, or could not.
 */
export function ensurePrivateDir(dir: string): string | undefined {
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    return undefined;
  }
  const mode = statSync(dir).mode & 0o777;
  if ((mode & 0o077) === 0) return undefined;
  const was = mode.toString(8);
  try {
    chmodSync(dir, PRIVATE_DIR_MODE);
    return `DATA_DIR ${resolve(dir)} was open to other users (${was}); it is now 700`;
  } catch {
    return `DATA_DIR ${resolve(dir)} is open to other users (${was}) and could not be changed: run chmod 700 on it`;
  }
}

/** Creates the file 0600 if missing, and makes it and its SQLite companions 0600. */
export function privateFile(path: string): void {
  closeSync(openSync(path, "a", PRIVATE_FILE_MODE));
  for (const file of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`]) {
    if (existsSync(file) && (statSync(file).mode & 0o077) !== 0) chmodSync(file, PRIVATE_FILE_MODE);
  }
}
