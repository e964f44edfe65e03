import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The single node never runs open: without ADMIN_TOKEN, the first start makes a random token
 * and keeps it in DATA_DIR, readable by its owner only; later starts, `npm run demo` and
 * `npm run smoke` (through `localAdminToken` in env.ts) read it from there.
 */
export const ADMIN_TOKEN_FILE = "admin-token";

export const adminTokenPath = (dataDir: string) => join(dataDir, ADMIN_TOKEN_FILE);

/** The token kept in `dataDir`, if a stack started there without ADMIN_TOKEN. */
export function savedAdminToken(dataDir: string): string | undefined {
  const path = adminTokenPath(dataDir);
  let text: string;
  try {
    text = readFileSync(path, "utf8").trim();
  } catch {
    return undefined;
  }
  // Kept for its owner alone, even if someone widened it.
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  return text === "" ? undefined : text;
}

/** The kept token, or a new one written with mode 0600; says which. */
export function ensureAdminToken(dataDir: string): { token: string; created: boolean } {
  const saved = savedAdminToken(dataDir);
  if (saved !== undefined) return { token: saved, created: false };
  mkdirSync(dataDir, { recursive: true });
  const token = randomBytes(32).toString("base64url");
  writeFileSync(adminTokenPath(dataDir), `${token}\n`, { mode: 0o600 });
  return { token, created: true };
}
