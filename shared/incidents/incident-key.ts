import { createHash } from "node:crypto";

/** Ids made lately: a batch of thousands of events names only a few incidents. */
const made = new Map<string, string>();
const MADE_MAX = 10_000;

/** One incident per (account, provider, rule): the same problem for the same customer. */
export function incidentId(accountId: string, provider: string, ruleId: string): string {
  const key = `${accountId}\u0000${provider}\u0000${ruleId}`;
  let id = made.get(key);
  if (id === undefined) {
    id = `inc_${createHash("sha256").update(key).digest("base64url").slice(0, 22)}`;
    if (made.size >= MADE_MAX) made.clear();
    made.set(key, id);
  }
  return id;
}
