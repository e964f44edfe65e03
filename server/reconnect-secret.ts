import { randomBytes } from "node:crypto";
import { chmodSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { StartupError } from "./startup-error.ts";

/** The single node's reconnect secret, when RECONNECT_SECRET does not give one. */
export const RECONNECT_SECRET_FILE = "reconnect.secret";

/**
 * The HMAC key of the reconnect links, made on first use and kept in DATA_DIR, readable by this
 * user only: links keep working across restarts, and moving the folder moves them. Deleting the
 * file revokes every link sent.
 */
export function reconnectSecretIn(dataDir: string): string {
  const path = join(dataDir, RECONNECT_SECRET_FILE);
  try {
    writeFileSync(path, randomBytes(32).toString("base64url"), { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  // Someone widened it: only this user may read a key that signs credentials.
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  const secret = readFileSync(path, "utf8").trim();
  if (secret.length < 32) {
    throw new StartupError(
      `${path} holds no usable reconnect secret: delete it to make a new one (links already sent stop working)`,
    );
  }
  return secret;
}
