import { describe, expect, it } from "vitest";
import { createClassifier } from "../../shared/classify/classifier.ts";
import { parseEvent } from "../../shared/events/parse-event.ts";
import type { Notice } from "../../shared/incidents/notice.ts";
import { toNotice } from "../../shared/incidents/notice-decisions.ts";
import { CustomerNoticeSchema, customerPayload } from "../../shared/notify/customer-payload.ts";
import { renderEmail } from "../../shared/notify/email.ts";
import { renderSlack } from "../../shared/notify/slack.ts";
import { BUILTIN_RULES, validateRules } from "../../shared/quirks/catalog.ts";
import type { QuirkRule } from "../../shared/quirks/rule.ts";
import { providerName } from "../../shared/text-format.ts";
import { leverError, openedIncident } from "../support/factories.ts";

/**
 * What the customer's admin reads: every rule they must act on, rendered for them the way they
 * get it (email and a customer Slack channel), carries none of our internals.
 */

const REQUEST_ID = "req_8f1c2e";
const FORBIDDEN: [string, RegExp][] = [
  ["StackOne", /stack ?one/i],
  [
    "a StackOne endpoint",
    /connect_sessions|auth_link_url|\/unified\/|\/requests\/logs|x-account-id|origin_owner/i,
  ],
  ["an HTTP method and path", /\b(GET|POST|PUT|PATCH|DELETE) \//],
  ["a request id", new RegExp(REQUEST_ID)],
  ["ask the customer", /\bcustomers?\b/i],
  ["provider_errors", /provider_errors|retryConfig|SDK/i],
];

const customerRules = BUILTIN_RULES.filter((r) => r.must_act === "customer");

function noticeFor(rule: QuirkRule, kind: Notice["kind"]): Notice {
  // The rule's words are what matters here, not its conditions: let it match anything.
  const classifier = createClassifier([{ ...rule, match: {} }]);
  const event = parseEvent(
    leverError("evt_1", 401, {
      account: { id: "acct_7731", name: "Acme Recruiting Ltd" },
      provider: rule.provider ?? "workday",
      http: { status: 401, method: "POST", path: "/unified/ats/candidates" },
      request_id: REQUEST_ID,
      error: undefined,
    }),
  );
  const record = openedIncident(
    classifier.classify(event),
    [event],
    new Date("2026-11-24T10:00:05.000Z"),
  );
  const [pending] = record.outbox;
  if (!pending) throw new Error(`${rule.id} did not fire on its first event`);
  return { ...toNotice(record, pending), kind };
}

describe("customer wording", () => {
  it("exists for exactly the rules the customer must act on", () => {
    expect(customerRules.length).toBeGreaterThanOrEqual(10);
    for (const rule of BUILTIN_RULES) {
      expect(rule.customer !== undefined, rule.id).toBe(rule.must_act === "customer");
    }
  });

  it.each(customerRules.map((r) => [r.id, r] as const))(
    "%s speaks to the customer's admin without our internals",
    (id, rule) => {
      for (const kind of ["firing", "reminder", "resolved"] as const) {
        const notice = noticeFor(rule, kind);
        const email = renderEmail(notice, "customer");
        const slack = renderSlack(notice, { audience: "customer" });
        const webhook = customerPayload(notice);
        expect(CustomerNoticeSchema.safeParse(webhook).success).toBe(true);
        const text = [email.subject, email.body, JSON.stringify(slack)].join("\n");
        // The webhook names the account by id (the receiver's own key) and says who it is
        // worded for: both are checked apart from the words.
        const { id: accountId, ...webhookAccount } = webhook.incident.account;
        expect(accountId).toBe("acct_7731");
        const { audience, ...words } = webhook;
        expect(audience).toBe("customer");
        const json = JSON.stringify({
          ...words,
          incident: { ...webhook.incident, account: webhookAccount },
        });
        for (const [what, pattern] of FORBIDDEN) {
          expect(json, `${id} (${kind}) webhook holds ${what}`).not.toMatch(pattern);
        }
        for (const key of ["rule_id", "request_id", "path", "remediation", "category"]) {
          expect(json, `${id} (${kind}) webhook holds ${key}`).not.toContain(`"${key}"`);
        }
        expect(json).not.toContain(id);
        expect(json).not.toContain(notice.incident.what_happened);
        for (const [what, pattern] of FORBIDDEN) {
          expect(text, `${id} (${kind}) mentions ${what}`).not.toMatch(pattern);
        }
        expect(text).not.toContain(id);
        // Filled in once, on the incident: a webhook receiver reads the same words.
        expect(JSON.stringify(notice.incident.customer)).not.toContain("{provider}");
        expect(text).not.toContain("acct_7731");
        expect(email.subject).toContain(providerName(notice.incident.provider));
        expect(email.subject).toContain("Acme Recruiting Ltd");
      }
    },
  );

  it("is required when the customer must act, and refused otherwise", () => {
    const [lever401] = BUILTIN_RULES.filter((r) => r.id === "lever.401");
    const { customer: _, ...withoutWording } = lever401 as QuirkRule;
    expect(() => validateRules([withoutWording], "test")).toThrow(
      /lever\.401: customer: customer wording is required exactly when must_act is customer/,
    );
    expect(() => validateRules([{ ...lever401, must_act: "us" }], "test")).toThrow(
      /customer wording is required exactly when must_act is customer/,
    );
  });
});
