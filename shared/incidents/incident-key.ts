import { createHash } from "node:crypto";

/** One incident per (account, provider, rule): the same problem for the same customer. */
export function incidentId(accountId: string, provider: string, ruleId: string): string {
  const digest = createHash("sha256")
    .update(`${accountId}\u0000${provider}\u0000${ruleId}`)
    .digest("base64url");
  return `inc_${digest.slice(0, 22)}`;
}
