import { describe, expect, it } from "vitest";
import type { Notice } from "../../shared/incidents/notice.ts";
import { wording } from "../../shared/incidents/provider-incident.ts";
import { renderSlack } from "../../shared/notify/slack.ts";
import { notice as sharedNotice } from "../support/notices.ts";

const base = {
  provider: "lever",
  category: "server_error" as const,
  affected_accounts: 37,
  first_seen: "2026-11-24T14:02:11.000Z",
  sample_accounts: ["Acme", "Initech"],
};

function notice(kind: Notice["kind"], extra: Partial<Notice> = {}): Notice {
  return sharedNotice(
    0,
    {
      id: "inc_x",
      account: { id: "provider:lever", name: "Lever" },
      rule_id: "quirkwatch.provider_incident.server_error",
      severity: "critical",
      must_act: "us",
      customer: undefined,
      status: kind === "resolved" ? "resolved" : "firing",
      retryable: true,
      count: 120,
      last_seen: "2026-11-24T15:00:00.000Z",
      messages: [],
      provider_messages: ["Internal Server Error from Lever"],
      scope: "provider",
      resolved_at: kind === "resolved" ? "2026-11-24T15:02:11.000Z" : undefined,
      ...base,
      ...wording(base),
    },
    kind,
    { id: `inc_x.1.1.${kind}`, created_at: "2026-11-24T15:02:11.000Z", ...extra },
  );
}

describe("provider incident notices", () => {
  it("says what is down, for how many accounts, since when, and what to do", () => {
    const message = renderSlack(notice("firing"));
    expect(message.text).toContain(
      "Lever is failing for 37 accounts (server errors since 14:02 UTC)",
    );
    const blocks = JSON.stringify(message.blocks);
    expect(blocks).toContain("https://status.lever.co");
    expect(blocks).toContain("contact StackOne support");
    expect(blocks).toContain("Internal Server Error from Lever");
    expect(blocks).toContain("Accounts hit");
    expect(blocks).toContain("37: Acme, Initech");
  });

  it("reminders say how the number of accounts moved; the resolved notice how long and how many", () => {
    expect(renderSlack(notice("reminder", { affected_before: 12 })).text).toContain(
      "Still failing for 37 accounts (was 12)",
    );
    const resolved = renderSlack(notice("resolved", { resolution: "quiet" })).text;
    expect(resolved).toContain("Resolved after 1 h: 37 accounts were hit");
  });

  it("names no status page it does not know", () => {
    expect(wording({ ...base, provider: "workday" }).remediation[1]).toBe(
      "Check Workday's status page, if it has one.",
    );
  });
});
