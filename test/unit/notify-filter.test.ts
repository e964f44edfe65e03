import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { snsEntries } from "../../shared/adapters/aws/sns-bus.ts";
import { snsFilterPolicy } from "../../shared/adapters/aws/sns-filter-policy.ts";
import type { Notice } from "../../shared/incidents/notice.ts";
import { emailsFor } from "../../shared/notify/email.ts";
import {
  matchesFilter,
  type SubscriptionFilter,
  SubscriptionFilterSchema,
} from "../../shared/notify/filter.ts";
import {
  AUDIENCES,
  CATEGORIES,
  type Category,
  MUST_ACT,
  type MustAct,
  SEVERITIES,
  type Severity,
} from "../../shared/quirks/rule.ts";
import { notice as sharedNotice } from "../support/notices.ts";

/** A notice of `account` (no name) with the fields filters match on. */
function notice(
  account: string,
  provider: string,
  category: Category,
  severity: Severity,
  mustAct: MustAct,
  kind: Notice["kind"] = "firing",
  resolution?: Notice["resolution"],
): Notice {
  return sharedNotice(
    0,
    {
      id: `i-${account}`,
      account: { id: account },
      provider,
      rule_id: `${provider}.rule`,
      category,
      severity,
      must_act: mustAct,
    },
    kind,
    { id: `n-${account}`, resolution },
  );
}

describe("SubscriptionFilterSchema", () => {
  it("accepts a full filter and normalizes providers to lower case", () => {
    expect(
      SubscriptionFilterSchema.parse({
        account_ids: ["acct_1"],
        providers: ["HiBob"],
        categories: ["reauth_required"],
        min_severity: "warning",
        audience: "customer",
      }),
    ).toEqual({
      account_ids: ["acct_1"],
      providers: ["hibob"],
      categories: ["reauth_required"],
      min_severity: "warning",
      audience: "customer",
    });
    expect(SubscriptionFilterSchema.parse({})).toEqual({});
  });

  it.each([
    ["an empty list", { providers: [] }, "providers"],
    ["an empty string", { account_ids: [""] }, "account_ids"],
    ["an unknown category", { categories: ["on_fire"] }, "categories"],
    ["an unknown severity", { min_severity: "fatal" }, "min_severity"],
    ["an unknown audience", { audience: "everyone" }, "audience"],
    ["an unknown key", { provider: ["hibob"] }, ""],
  ])("rejects %s, naming the field", (_, input, field) => {
    const result = SubscriptionFilterSchema.safeParse(input);
    expect(result.success).toBe(false);
    if (field) expect(result.error?.issues[0]?.path[0]).toBe(field);
  });
});

describe("snsFilterPolicy", () => {
  it("turns a filter into a policy on the message attributes", () => {
    expect(
      snsFilterPolicy({
        account_ids: ["acct_1", "acct_2"],
        providers: ["hibob"],
        categories: ["reauth_required"],
        min_severity: "error",
        audience: "internal",
      }),
    ).toEqual({
      account_id: ["acct_1", "acct_2"],
      provider: ["hibob"],
      category: ["reauth_required"],
      severity: ["error", "critical"],
      audience: ["internal"],
    });
  });

  it("leaves out what the filter does not constrain", () => {
    expect(snsFilterPolicy({ min_severity: "info" })).toEqual({
      severity: ["info", "warning", "error", "critical"],
      audience: ["internal"],
    });
    // An email subscription takes one of the two messages of a notice: the internal one unless
    // it asks for the customer's.
    expect(snsFilterPolicy({})).toEqual({ audience: ["internal"] });
  });

  it("refuses a policy over SNS's 150 combinations", () => {
    expect(() =>
      snsFilterPolicy({
        account_ids: Array.from({ length: 30 }, (_, i) => `acct_${i}`),
        categories: ["reauth_required", "missing_permissions"],
        min_severity: "warning",
      }),
    ).toThrow(/180 combinations/);
  });
});

describe("matchesFilter", () => {
  const n = notice("acct_1", "hibob", "reauth_required", "error", "customer");

  it("matches when every condition holds", () => {
    expect(matchesFilter({}, n)).toBe(true);
    expect(
      matchesFilter(
        {
          account_ids: ["acct_1"],
          providers: ["hibob"],
          categories: ["reauth_required"],
          min_severity: "error",
          audience: "customer",
        },
        n,
      ),
    ).toBe(true);
  });

  it.each<[string, SubscriptionFilter]>([
    ["another account", { account_ids: ["acct_2"] }],
    ["another provider", { providers: ["lever"] }],
    ["another category", { categories: ["rate_limited"] }],
    ["a higher minimum severity", { min_severity: "critical" }],
  ])("does not match %s", (_, filter) => {
    expect(matchesFilter(filter, n)).toBe(false);
  });

  it("gives internal destinations every notice, the customer only what they must act on", () => {
    const ours = notice("acct_1", "lever", "server_error", "error", "us");
    const deleted = notice(
      "acct_1",
      "lever",
      "reauth_required",
      "critical",
      "customer",
      "resolved",
      "account_deleted",
    );
    for (const each of [n, ours, deleted])
      expect(matchesFilter({ audience: "internal" }, each)).toBe(true);
    expect(matchesFilter({ audience: "customer" }, n)).toBe(true);
    expect(matchesFilter({ audience: "customer" }, ours)).toBe(false);
    // A deleted account's incidents close quietly for the customer.
    expect(matchesFilter({ audience: "customer" }, deleted)).toBe(false);
  });
});

/** How SNS evaluates a MessageAttributes filter policy of exact-match value lists. */
function snsMatches(
  policy: Record<string, unknown>,
  attributes: Record<string, { DataType?: string; StringValue?: string }>,
): boolean {
  return Object.entries(policy).every(([name, allowed]) => {
    const attribute = attributes[name];
    if (!attribute?.StringValue) return false;
    const values: string[] =
      attribute.DataType === "String.Array"
        ? JSON.parse(attribute.StringValue)
        : [attribute.StringValue];
    return values.some((v) => (allowed as string[]).includes(v));
  });
}

describe("one filter, two places", () => {
  it("an SNS subscription and matchesFilter select the same notices", () => {
    const accounts = ["acct_1", "acct_2", "acct_3"];
    const providers = ["hibob", "lever"];
    const anyFilter = fc.record(
      {
        account_ids: fc.subarray(accounts, { minLength: 1 }),
        providers: fc.subarray(providers, { minLength: 1 }),
        categories: fc.subarray([...CATEGORIES], { minLength: 1, maxLength: 3 }),
        min_severity: fc.constantFrom(...SEVERITIES),
        audience: fc.constantFrom(...AUDIENCES),
      },
      { requiredKeys: [] },
    );
    const anyNotice = fc
      .tuple(
        fc.constantFrom(...accounts),
        fc.constantFrom(...providers),
        fc.constantFrom(...CATEGORIES),
        fc.constantFrom(...SEVERITIES),
        fc.constantFrom(...MUST_ACT),
        fc.constantFrom("firing", "reminder", "resolved"),
        fc.constantFrom(undefined, "recovery", "quiet", "account_deleted"),
      )
      .map(([a, p, c, s, m, k, r]) => notice(a, p, c, s, m, k, r));

    fc.assert(
      fc.property(anyFilter, anyNotice, (filter, n) => {
        // The subscription gets the notice when one of its messages (one per audience) matches,
        // and never more than one of them.
        const taken = snsEntries(n, 0, emailsFor).filter((entry) =>
          snsMatches(snsFilterPolicy(filter), entry.MessageAttributes ?? {}),
        );
        expect(taken.length).toBe(matchesFilter(filter, n) ? 1 : 0);
      }),
      { numRuns: 500 },
    );
  });
});
