import { existsSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { savedAdminToken } from "../../server/admin-token.ts";

/**
 * No secret in any log: every `npm start` an end-to-end test runs (test/support/local-stack.ts)
 * has its whole output checked against the secrets it was given and the ones it made, on both
 * engines: the admin token, webhook secrets, the StackOne key, subscription secrets, and the
 * paths of Slack and webhook URLs (the path is the credential of an incoming webhook).
 */
const SECRET_SETTINGS = [
  "ADMIN_TOKEN",
  "STACKONE_WEBHOOK_SECRET",
  "STACKONE_WEBHOOK_SECRET_PREVIOUS",
  "GENERIC_WEBHOOK_SECRET",
  "STACKONE_API_KEY",
] as const;
const URL_SETTINGS = ["SLACK_WEBHOOK_URL"] as const;

/** A URL's path and query: what makes an incoming-webhook URL a credential. Short ones say little. */
function urlSecret(url: string): string | undefined {
  try {
    const { pathname, search } = new URL(url);
    const secret = `${pathname}${search}`;
    return secret.length >= 8 ? secret : undefined;
  } catch {
    return undefined;
  }
}

/** The secrets a stack holds: from its settings, and (SQLite) from its subscriptions. */
export function secretsOf(
  env: Record<string, string | undefined>,
  dataDir: string,
): Map<string, string> {
  const secrets = new Map<string, string>();
  for (const name of SECRET_SETTINGS) {
    const value = env[name];
    if (value) secrets.set(value, name);
  }
  const kept = savedAdminToken(dataDir);
  if (kept) secrets.set(kept, "the admin token kept in DATA_DIR");
  for (const name of URL_SETTINGS) {
    const path = env[name] && urlSecret(env[name]);
    if (path) secrets.set(path, `${name} path`);
  }
  const db = join(dataDir, "quirkwatch.db");
  if (existsSync(db)) {
    const reader = new Database(db, { readonly: true, fileMustExist: true });
    try {
      const rows = reader.prepare("SELECT subscription FROM subscriptions").all() as {
        subscription: string;
      }[];
      for (const row of rows) {
        const s = JSON.parse(row.subscription) as { id?: string; secret?: string; target?: string };
        if (s.secret) secrets.set(s.secret, `the secret of subscription ${s.id}`);
        const path = s.target && urlSecret(s.target);
        if (path) secrets.set(path, `the URL path of subscription ${s.id}`);
      }
    } catch {
      // A stack killed before its first migration has no table: nothing to look for.
    } finally {
      reader.close();
    }
  }
  return secrets;
}

/**
 * Which secrets `output` holds, by name; `whsec_` anywhere is a Standard Webhooks secret. The
 * banner's dashboard link is the one place a token is shown on purpose: to the operator, in a
 * URL fragment no browser sends (issue 17, "Nothing open by default").
 */
export function leakedSecrets(output: string, secrets: Map<string, string>): string[] {
  const logged = output
    .split("\n")
    .map((line) => (/^\s*Dashboard\s/.test(line) ? line.replace(/#token=\S+/, "") : line))
    .join("\n");
  const leaked = [...secrets].filter(([value]) => logged.includes(value)).map(([, name]) => name);
  if (/whsec_[A-Za-z0-9+/=]{8,}/.test(logged)) leaked.push("a whsec_ secret");
  return [...new Set(leaked)];
}
