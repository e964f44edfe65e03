import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Incident } from "../../shared/incidents/incident.ts";
import type { Notice } from "../../shared/incidents/notice.ts";
import { renderEmail } from "../../shared/notify/email.ts";
import { oneLine } from "../../shared/outside-text.ts";
import { CATEGORIES, MUST_ACT, SEVERITIES } from "../../shared/quirks/rule.ts";
import { humanDuration, providerName } from "../../shared/text-format.ts";
import { notice as sharedNotice } from "../support/notices.ts";

/** Hibob's expired token at Acme Corp (acct_9d2c), with its owner and the provider's words. */
const notice = (over: Partial<Notice> = {}, incident: Partial<Incident> = {}): Notice =>
  sharedNotice(
    0,
    {
      id: "inc_7f3a",
      account: {
        id: "acct_9d2c",
        name: "Acme Corp",
        owner_name: "Dana",
        owner_email: "dana@acme.test",
      },
      customer: {
        title: "Your {provider} connection needs to be reconnected",
        what_happened: "{provider} no longer accepts the sign-in this connection uses.",
        remediation: ["Open the integrations page", "Reconnect {provider} with a new service user"],
      },
      what_happened: "Hibob no longer accepts the service user token of this connection.",
      remediation: ["Open the integrations page", "Reconnect Hibob with a new service user"],
      docs_url: "https://docs.example.com/hibob",
      count: 14,
      first_seen: "2024-05-01T10:00:00.000Z",
      request_ids: ["req_a1b2", "req_c3d4"],
      messages: ["401: token expired at hibob"],
      last_error: {
        status: 401,
        method: "GET",
        path: "/unified/hris/employees",
        message: "Unauthorized",
        provider_status: 401,
        provider_message: "Token expired for service user SU-7",
        request_id: "req_c3d4",
        at: "2024-05-01T12:05:00.000Z",
      },
      provider_messages: ["Invalid token", "Token expired for service user SU-7"],
      ...incident,
    },
    over.kind,
    { id: "ntc_7f3a:firing", ...over },
  );

const INTERNAL_IDS = [
  "acct_9d2c",
  "hibob.token_expired",
  "inc_7f3a",
  "ntc_7f3a",
  "req_a1b2",
  "req_c3d4",
];

describe("renderEmail for the customer", () => {
  const email = renderEmail(notice(), "customer");

  it("says in the rule's customer wording what is wrong with their connection", () => {
    expect(email.subject).toBe("Hibob · Acme Corp: Your Hibob connection needs to be reconnected");
    expect(email.body).toContain("Your Hibob connection needs to be reconnected.");
    expect(email.body).toContain(
      "What happened\nHibob no longer accepts the sign-in this connection uses.",
    );
    expect(email.body).toContain(
      "What to do\n1. Open the integrations page\n2. Reconnect Hibob with a new service user",
    );
  });

  it("quotes the provider's own words, and nothing internal", () => {
    expect(email.body).toContain('Hibob said: "Token expired for service user SU-7"');
    for (const id of INTERNAL_IDS) {
      expect(email.subject).not.toContain(id);
      expect(email.body).not.toContain(id);
    }
    // StackOne's own message and the internal wording stay internal.
    expect(email.body).not.toContain("401: token expired");
    expect(email.body).not.toContain("Unauthorized");
    expect(email.body).not.toContain("service user token");
    expect(email.body).not.toContain("https://docs.example.com/hibob");
  });

  it("marks a reminder and announces a resolution", () => {
    expect(
      renderEmail(notice({ kind: "reminder", since_last_notice: 3 }), "customer").subject,
    ).toBe("Reminder · Hibob · Acme Corp: Your Hibob connection needs to be reconnected");
    const resolved = renderEmail(notice({ kind: "resolved", resolution: "recovery" }), "customer");
    expect(resolved.subject).toBe("Hibob · Acme Corp: your connection is working again");
    expect(resolved.body).toContain("No action is needed.");
    expect(resolved.body).not.toContain("What to do");
  });

  it("cuts a long subject at a word, keeping the provider and the account whole", () => {
    const long = renderEmail(
      notice(
        {},
        {
          account: { id: "acct_9d2c", name: "Globex Corporation International Holdings" },
          customer: {
            title:
              "Your Hibob connection cannot see the employment status of people in the payroll and compensation sections",
            what_happened: "w",
            remediation: ["r"],
          },
        },
      ),
      "customer",
    );
    expect(long.subject).toBe(
      "Hibob · Globex Corporation International Holdings: Your Hibob connection cannot see the employment…",
    );
    expect(long.subject.length).toBeLessThan(100);
  });
});

describe("renderEmail for the internal team", () => {
  it("carries the full detail", () => {
    const email = renderEmail(notice({ kind: "reminder", since_last_notice: 3 }), "internal");
    expect(email.subject).toBe(
      "[still firing] reauth_required: Hibob service user token expired · Acme Corp (acct_9d2c) · hibob",
    );
    for (const line of [
      "Account: Acme Corp (acct_9d2c)",
      "Owner: Dana <dana@acme.test>",
      "Provider: hibob",
      "Rule: hibob.token_expired",
      "Category: reauth_required",
      "Severity: error",
      "Must act: the customer",
      "Incident: inc_7f3a (firing)",
      "Events: 14 (3 since the last notice)",
      "First seen: 2024-05-01 10:00 UTC",
      "Last seen: 2024-05-01 12:05 UTC",
      "- req_a1b2\n- req_c3d4",
      "- 401: token expired at hibob",
      "1. Open the integrations page",
      "Last error\nHTTP 401 GET /unified/hris/employees at 2024-05-01 12:05 UTC\nRequest id: req_c3d4\nStackOne: Unauthorized\nhibob (401): Token expired for service user SU-7",
      "What hibob said (newest last)\n- Invalid token\n- Token expired for service user SU-7",
    ]) {
      expect(email.body).toContain(line);
    }
  });

  it("says how a resolved incident ended and how long it lasted", () => {
    const email = renderEmail(
      notice(
        { kind: "resolved", resolution: "quiet" },
        { resolved_at: "2024-05-02T14:05:00.000Z" },
      ),
      "internal",
    );
    expect(email.subject.startsWith("[resolved] ")).toBe(true);
    expect(email.body).toContain("Resolved: 2024-05-02 14:05 UTC by quiet, after 1 d 4 h");
  });
});

describe("humanDuration", () => {
  it("reads like a person would say it", () => {
    expect(humanDuration(45_000)).toBe("45 s");
    expect(humanDuration(12 * 60_000)).toBe("12 min");
    expect(humanDuration(125 * 60_000)).toBe("2 h 5 min");
    expect(humanDuration(3 * 86_400_000)).toBe("3 d");
    expect(humanDuration(Number.NaN)).toBe("0 s");
  });
});

describe("renderEmail subjects, whatever the input", () => {
  const anyText = fc.oneof(
    fc.string({ unit: "binary", maxLength: 300 }),
    fc.string({ unit: "grapheme", maxLength: 300 }),
    fc.string({
      unit: fc.constantFrom("\n", "\r", "\u2028", "\u202e", "\t", "😀", "a", " "),
      maxLength: 300,
    }),
  );
  // Distinctive ids, so finding one in the customer email cannot be a coincidence.
  const anyId = fc.uuid().map((u) => `zz-${u}`);

  const anyNotice: fc.Arbitrary<Notice> = fc
    .record({
      kind: fc.constantFrom("firing", "reminder", "resolved"),
      notice_id: anyId,
      incident_id: anyId,
      account_id: anyId,
      rule_id: anyId,
      request_ids: fc.array(anyId, { maxLength: 5 }),
      name: anyText,
      provider: anyText,
      title: anyText,
      what_happened: anyText,
      remediation: fc.array(anyText, { maxLength: 5 }),
      category: fc.constantFrom(...CATEGORIES),
      severity: fc.constantFrom(...SEVERITIES),
      must_act: fc.constantFrom(...MUST_ACT),
    })
    .map((r) =>
      notice(
        { id: r.notice_id, kind: r.kind },
        {
          id: r.incident_id,
          account: { id: r.account_id, name: r.name },
          rule_id: r.rule_id,
          request_ids: r.request_ids,
          provider: r.provider,
          title: r.title,
          what_happened: r.what_happened,
          remediation: r.remediation,
          category: r.category,
          severity: r.severity,
          must_act: r.must_act,
          customer: { title: r.title, what_happened: r.what_happened, remediation: r.remediation },
          messages: [],
        },
      ),
    );

  it("keeps a one-line subject under 100 characters that starts with a visible character", () => {
    fc.assert(
      fc.property(anyNotice, fc.constantFrom("customer", "internal"), (n, audience) => {
        const { subject, body } = renderEmail(n, audience as "customer" | "internal");
        expect(subject.length).toBeLessThan(100);
        expect(subject).toMatch(/^\S/u);
        expect(subject).not.toMatch(/[\p{Cc}\u2028\u2029\u202a-\u202e]/u);
        expect(subject).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
        expect(body.length).toBeGreaterThan(0);
      }),
    );
  });

  it("names the provider and the account in the customer's subject, never cutting a word", () => {
    fc.assert(
      fc.property(anyNotice, (n) => {
        const { subject } = renderEmail(n, "customer");
        const i = n.incident;
        const words = [
          providerName(i.provider),
          oneLine(i.account.name ?? ""),
          oneLine(i.customer?.title ?? ""),
          "Reminder your connection is working again Your connection needs attention",
        ];
        const whole = new Set(words.join(" ").split(" "));
        for (const token of subject.split(" ")) {
          if (token === "·" || token === "") continue;
          const bare = token.replace(/…$/, "");
          expect(whole.has(bare) || whole.has(bare.replace(/:$/, "")), subject).toBe(true);
        }
      }),
    );
    const subject = renderEmail(notice(), "customer").subject;
    expect(subject.startsWith("Hibob · Acme Corp: ")).toBe(true);
  });

  it("never shows the customer an internal id", () => {
    fc.assert(
      fc.property(anyNotice, (n) => {
        const { subject, body } = renderEmail(n, "customer");
        const i = n.incident;
        for (const id of [n.id, i.id, i.account.id, i.rule_id, ...i.request_ids]) {
          expect(`${subject}\n${body}`).not.toContain(id);
        }
      }),
    );
  });
});
