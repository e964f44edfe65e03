import type { KnownBlock } from "@slack/types";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Incident } from "../../shared/incidents/incident.ts";
import type { Notice } from "../../shared/incidents/notice.ts";
import { renderSlack, type SlackMessage } from "../../shared/notify/slack.ts";
import { SLACK_LIMITS } from "../../shared/notify/slack-blocks.ts";
import { AUDIENCES, CATEGORIES, MUST_ACT, SEVERITIES } from "../../shared/quirks/rule.ts";
import { notice as sharedNotice } from "../support/notices.ts";

/** Lever rejected the key of Acme Corp's account, with every detail a message can show. */
const LEVER_REJECTED: Partial<Incident> = {
  id: "inc_01",
  account: { id: "acct 42/x", name: "Acme Corp" },
  provider: "lever",
  rule_id: "lever.credentials_rejected",
  customer: {
    title: "Your {provider} connection needs to be reconnected",
    what_happened: "{provider} no longer accepts the sign-in this connection uses.",
    remediation: ["Reconnect {provider} from the integrations page."],
  },
  title: "Lever credentials rejected",
  what_happened: "Lever rejected the API key of this account.",
  remediation: ["Ask the customer to reconnect Lever", "Retry the sync"],
  docs_url: "https://docs.example.com/lever/auth",
  count: 14,
  first_seen: "2024-05-01T10:00:00.000Z",
  request_ids: ["req_1", "req_2"],
  messages: ["401 Unauthorized", "invalid api key"],
  last_error: {
    status: 401,
    method: "GET",
    path: "/unified/ats/candidates",
    message: "Unauthorized",
    provider_status: 401,
    provider_message: "Invalid API key for this Lever account",
    request_id: "req_2",
    at: "2024-05-01T12:05:00.000Z",
  },
  provider_messages: ["API key revoked", "Invalid API key for this Lever account"],
};

function notice(
  overrides: Partial<Notice> = {},
  incidentOverrides: Partial<Incident> = {},
): Notice {
  return sharedNotice(0, { ...LEVER_REJECTED, ...incidentOverrides }, overrides.kind, {
    id: "ntc_01:firing",
    ...overrides,
  });
}

type AnyBlock = Record<string, unknown> & { type: string };

function block(message: SlackMessage, blockId: string): AnyBlock | undefined {
  return message.blocks.find((b) => b.block_id === blockId) as AnyBlock | undefined;
}

/** Every `text` string anywhere in the blocks: what Slack counts as block text. */
function texts(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(texts);
  if (value && typeof value === "object") {
    return Object.entries(value).flatMap(([key, v]) =>
      key === "text" && typeof v === "string" ? [v] : texts(v),
    );
  }
  return [];
}

function allText(message: SlackMessage): string {
  return texts(message.blocks).join("\n");
}

type Button = { type: "button"; text: { text: string }; url?: string; action_id?: string };

function buttons(message: SlackMessage): Button[] {
  const actions = block(message, "actions");
  return (actions?.elements as Button[] | undefined) ?? [];
}

describe("renderSlack: a firing notice", () => {
  const message = renderSlack(notice(), {
    reauthUrlTemplate: "https://app.example.com/integrations/{account_id}/reconnect",
  });

  it("heads the message with the category and title", () => {
    expect(message.blocks[0]).toEqual({
      type: "header",
      block_id: "header",
      text: {
        type: "plain_text",
        text: "🔴 reauth_required: Lever credentials rejected",
        emoji: true,
      },
    });
  });

  it("lists account (name and id), provider, category, severity, count and dates", () => {
    const facts = texts(block(message, "facts"));
    expect(facts).toContain("*Customer account*\nAcme Corp (acct 42/x)");
    expect(facts).toContain("*Provider*\nlever");
    expect(facts).toContain("*Category*\nreauth_required");
    expect(facts).toContain("*Severity*\nerror");
    expect(facts).toContain("*Events*\n14");
    expect(facts).toContain(
      "*First seen*\n<!date^1714557600^{date_short_pretty} {time}|2024-05-01 10:00 UTC>",
    );
  });

  it("says what happened and numbers the remediation steps", () => {
    expect(texts(block(message, "what_happened"))).toEqual([
      "*What happened*\nLever rejected the API key of this account.",
    ]);
    expect(texts(block(message, "what_to_do"))).toEqual([
      "*What to do*\n1. Ask the customer to reconnect Lever\n2. Retry the sync",
    ]);
  });

  it("shows request ids, newest first, to an internal audience", () => {
    expect(texts(block(message, "request_ids"))[0]).toContain("`req_2`\n`req_1`");
  });

  it("offers a re-auth link with the URL-encoded account id, and the provider docs", () => {
    expect(buttons(message).map((b) => [b.text.text, b.url])).toEqual([
      ["Send re-auth link", "https://app.example.com/integrations/acct%2042%2Fx/reconnect"],
      ["Provider docs", "https://docs.example.com/lever/auth"],
    ]);
  });

  it("names the rule and the notice in the context", () => {
    const context = texts(block(message, "context")).join(" ");
    expect(context).toContain("lever.credentials_rejected");
    expect(context).toContain("ntc_01:firing");
  });

  it("has a plain text fallback with account, provider, title and next step", () => {
    expect(message.text).toContain("Acme Corp (acct 42/x)");
    expect(message.text).toContain("lever");
    expect(message.text).toContain("Lever credentials rejected");
    expect(message.text).toContain("Next step: Ask the customer to reconnect Lever");
  });
});

describe("renderSlack: what depends on the notice", () => {
  it("shows the last error and the provider's own words, newest first", () => {
    const message = renderSlack(notice());
    const last = texts(block(message, "last_error"))[0];
    expect(last).toContain(
      "*Last error* · HTTP 401 · GET /unified/ats/candidates · request `req_2`",
    );
    expect(last).toContain("> StackOne: Unauthorized");
    expect(texts(block(message, "messages"))[0]).toBe(
      "*What Lever said (newest first)*\n> Invalid API key for this Lever account\n> API key revoked",
    );
  });

  it("keeps the last error's date a raw Slack date token and escapes a request id once", () => {
    const message = renderSlack(
      notice(
        {},
        { last_error: { at: "2024-05-01T12:05:00.000Z", status: 401, request_id: "req_<1>&2" } },
      ),
    );
    // The Block Kit payload as Slack receives it: the token must reach Slack unescaped.
    const wire = JSON.stringify(message);
    const last = texts(block(message, "last_error"))[0];
    expect(last).toContain("<!date^1714565100^{date_short_pretty} {time}|2024-05-01 12:05 UTC>");
    expect(wire).not.toContain("&lt;!date");
    expect(last).toContain("request `req_&lt;1&gt;&amp;2`");
    expect(last).not.toContain("&amp;lt;");
  });

  it("carries Acknowledge / Mute 1 h / Resolve only when Slack actions are on, for our channels", () => {
    const ids = (message: SlackMessage) => {
      const buttons = message.blocks.find((b) => b.block_id === "on_call") as
        | { elements: { action_id: string; value: string }[] }
        | undefined;
      return (buttons?.elements ?? []).map((e) => [e.action_id, e.value]);
    };
    expect(ids(renderSlack(notice(), { actions: true }))).toEqual([
      ["acknowledge", "inc_01"],
      ["mute_1h", "inc_01"],
      ["resolve", "inc_01"],
    ]);
    expect(ids(renderSlack(notice()))).toEqual([]);
    expect(ids(renderSlack(notice(), { actions: true, audience: "customer" }))).toEqual([]);
    expect(ids(renderSlack(notice({ kind: "resolved" }), { actions: true }))).toEqual([]);
  });

  it("says who acknowledged, without repeating the details", () => {
    const message = renderSlack(notice({ kind: "acknowledged", acknowledged_by: "dana" }), {
      actions: true,
    });
    expect(message.text).toContain("Acknowledged by dana");
    expect(texts(block(message, "status"))[0]).toContain("*Acknowledged* by dana");
    expect(message.blocks.map((b) => b.block_id)).toEqual(["header", "status", "facts", "context"]);
  });

  it("shows the sender's messages when the provider said nothing", () => {
    const message = renderSlack(notice({}, { provider_messages: [] }));
    expect(texts(block(message, "messages"))[0]).toBe(
      "*Recent errors (newest first)*\n> invalid api key\n> 401 Unauthorized",
    );
  });

  it("speaks to the customer's admin in their words, without ids, in a customer channel", () => {
    const message = renderSlack(notice(), { audience: "customer" });
    const text = `${message.text}\n${allText(message)}`;
    expect(message.text).toBe("⚠️ Your Lever connection needs to be reconnected");
    expect(text).toContain("Reconnect Lever from the integrations page.");
    expect(text).toContain("*Lever said*\n> Invalid API key for this Lever account");
    for (const internal of [
      "req_1",
      "req_2",
      "lever.credentials_rejected",
      "ntc_01",
      "acct 42/x",
      "StackOne",
      "customer",
    ]) {
      expect(text).not.toContain(internal);
    }
  });

  it("offers no re-auth link when the customer cannot fix it", () => {
    const message = renderSlack(notice({}, { category: "rate_limited" }), {
      reauthUrlTemplate: "https://app.example.com/{account_id}",
    });
    expect(buttons(message).map((b) => b.text.text)).toEqual(["Provider docs"]);
  });

  it("has no actions block when there is nothing to link to", () => {
    const message = renderSlack(notice({}, { docs_url: undefined }));
    expect(block(message, "actions")).toBeUndefined();
  });

  it("says how many more events a reminder covers", () => {
    const message = renderSlack(notice({ kind: "reminder", since_last_notice: 5 }));
    expect((message.blocks[0] as AnyBlock & { text: { text: string } }).text.text).toBe(
      "🔁 Still firing · reauth_required: Lever credentials rejected",
    );
    expect(texts(block(message, "status"))[0]).toContain(
      "Still firing:* 5 more since the last notice (14 events in all)",
    );
    expect(message.text).toContain("Still firing");
  });

  it("says how long a resolved incident lasted, how many events it saw and what resolved it", () => {
    const recovered = renderSlack(
      notice(
        { kind: "resolved", resolution: "recovery" },
        { status: "resolved", resolved_at: "2024-05-01T12:05:00.000Z" },
      ),
      { reauthUrlTemplate: "https://app.example.com/{account_id}" },
    );
    expect(texts(block(recovered, "status"))[0]).toBe(
      "*Resolved* after 2 h 5 min and 14 events: the account recovered.",
    );
    expect(recovered.text).toContain("Resolved");
    expect(recovered.text).toContain("2 h 5 min");
    expect(block(recovered, "actions")).toBeUndefined();

    const quiet = renderSlack(notice({ kind: "resolved", resolution: "quiet" }, { count: 1 }));
    expect(texts(block(quiet, "status"))[0]).toContain(
      "1 event: no new errors for a while (quiet)",
    );
  });

  it("escapes Slack control characters in user data so it cannot mention or link", () => {
    const message = renderSlack(
      notice(
        {},
        {
          account: { id: "a&b", name: "<!channel> Evil <https://x.test|click>" },
          what_happened: "x < y && y > z",
          messages: ["<@U123> hi"],
        },
      ),
    );
    const everything = `${allText(message)}\n${message.text}`;
    expect(everything).not.toContain("<!channel>");
    expect(everything).not.toContain("<@U123>");
    expect(everything).toContain("&lt;!channel&gt; Evil &lt;https://x.test|click&gt; (a&amp;b)");
    expect(everything).toContain("x &lt; y &amp;&amp; y &gt; z");
  });
});

// ---- limits, whatever the input ----

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const OUR_DATES = /<!date\^\d+\^\{date_short_pretty\} \{time\}\|[^<>]*>/g;
const ESCAPE = /&(?!amp;|lt;|gt;)/;

function expectWithinSlackLimits(message: SlackMessage): void {
  expect(message.text.trim().length).toBeGreaterThan(0);
  expect(message.text.length).toBeLessThanOrEqual(SLACK_LIMITS.text);
  expect(message.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);

  let total = 0;
  for (const b of message.blocks as Array<KnownBlock & AnyBlock>) {
    expect((b.block_id ?? "").length).toBeLessThanOrEqual(SLACK_LIMITS.blockId);
    const inner = texts(b);
    for (const t of inner) {
      expect(t.length).toBeGreaterThan(0);
      expect(LONE_SURROGATE.test(t)).toBe(false);
      total += t.length;
    }
    if (b.type === "header") {
      expect(inner[0]?.length).toBeLessThanOrEqual(SLACK_LIMITS.headerText);
    }
    if (b.type === "section") {
      const section = b as AnyBlock & { text?: { text: string }; fields?: { text: string }[] };
      expect(section.text ?? section.fields).toBeDefined();
      if (section.text)
        expect(section.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
      expect(section.fields?.length ?? 0).toBeLessThanOrEqual(SLACK_LIMITS.fields);
      for (const f of section.fields ?? []) {
        expect(f.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fieldText);
      }
    }
    if (b.type === "actions") {
      for (const button of (b as AnyBlock & { elements: Button[] }).elements) {
        expect(button.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.buttonText);
        expect(button.url?.length ?? 0).toBeLessThanOrEqual(SLACK_LIMITS.buttonUrl);
      }
    }
    if (b.type !== "header" && b.type !== "actions") {
      // User data cannot open a Slack link, mention or date of its own, nor a bare `&`.
      for (const t of inner) {
        const own = t.replace(OUR_DATES, "");
        expect(own).not.toContain("<");
        expect(ESCAPE.test(own)).toBe(false);
      }
    }
  }
  // "Well under" Slack's ~12,000 characters of block text.
  expect(total).toBeLessThanOrEqual(11_000);
  expect(LONE_SURROGATE.test(message.text)).toBe(false);
}

const anyText = (maxLength: number) =>
  fc.oneof(
    fc.string({ unit: "binary", maxLength }),
    fc.string({ unit: "grapheme", maxLength }),
    fc.string({
      unit: fc.constantFrom("<", ">", "&", "`", "*", "|", "\n", "😀", "𝒳", "👩‍👩‍👧", "a", " "),
      maxLength,
    }),
  );

/** Sometimes enormous: a single code unit, pair or entity repeated up to 20,000 times. */
const hugeText = fc.oneof(
  anyText(300),
  fc
    .tuple(fc.constantFrom("😀", "&", "<x>", "a", "é", "\n"), fc.integer({ min: 500, max: 20_000 }))
    .map(([unit, times]) => unit.repeat(times)),
);

const isoDate = fc
  .date({ min: new Date("1970-01-01"), max: new Date("2200-01-01"), noInvalidDate: true })
  .map((d) => d.toISOString());

const anyIncident: fc.Arbitrary<Incident> = fc.record(
  {
    id: anyText(300),
    account: fc.record(
      { id: anyText(300), name: hugeText, owner_name: anyText(50) },
      { requiredKeys: ["id"] },
    ),
    provider: hugeText,
    rule_id: hugeText,
    category: fc.constantFrom(...CATEGORIES),
    severity: fc.constantFrom(...SEVERITIES),
    must_act: fc.constantFrom(...MUST_ACT),
    status: fc.constantFrom("pending", "firing", "resolved"),
    title: hugeText,
    what_happened: hugeText,
    remediation: fc.array(hugeText, { maxLength: 30 }),
    retryable: fc.boolean(),
    docs_url: fc.oneof(fc.webUrl(), hugeText, fc.constant(`https://x.test/${"a".repeat(3_100)}`)),
    count: fc.nat(),
    first_seen: fc.oneof(isoDate, anyText(100)),
    last_seen: fc.oneof(isoDate, anyText(100)),
    request_ids: fc.oneof(
      fc.array(anyText(300), { maxLength: 30 }),
      fc.array(anyText(300), { minLength: 1_000, maxLength: 1_000 }),
    ),
    messages: fc.array(hugeText, { maxLength: 20 }),
    provider_messages: fc.array(hugeText, { maxLength: 20 }),
    last_error: fc.record(
      {
        status: fc.integer({ min: 100, max: 599 }),
        method: anyText(20),
        path: hugeText,
        message: hugeText,
        provider_status: fc.integer({ min: 100, max: 599 }),
        provider_message: hugeText,
        request_id: hugeText,
        at: fc.oneof(isoDate, anyText(100)),
      },
      { requiredKeys: ["at"] },
    ),
    customer: fc.record({
      title: hugeText,
      what_happened: hugeText,
      remediation: fc.array(hugeText, { maxLength: 30 }),
    }),
    resolved_at: isoDate,
  },
  {
    requiredKeys: [
      "id",
      "account",
      "provider",
      "rule_id",
      "category",
      "severity",
      "must_act",
      "status",
      "title",
      "what_happened",
      "remediation",
      "retryable",
      "count",
      "first_seen",
      "last_seen",
      "request_ids",
      "messages",
      "provider_messages",
    ],
  },
);

const anyNotice: fc.Arbitrary<Notice> = fc.record(
  {
    id: anyText(300),
    kind: fc.constantFrom("firing", "reminder", "resolved"),
    incident: anyIncident,
    since_last_notice: fc.nat(),
    resolution: fc.constantFrom("recovery", "quiet", "account_deleted"),
    created_at: isoDate,
  },
  { requiredKeys: ["id", "kind", "incident", "created_at"] },
);

describe("renderSlack: Slack limits", () => {
  it("keeps any notice within Slack's limits with a non-empty text", () => {
    fc.assert(
      fc.property(
        anyNotice,
        fc.option(fc.oneof(fc.constant("https://app.example.com/r/{account_id}"), hugeText), {
          nil: undefined,
        }),
        fc.constantFrom(...AUDIENCES),
        (n, template, audience) => {
          expectWithinSlackLimits(renderSlack(n, { reauthUrlTemplate: template, audience }));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("copes with the worst case: huge astral text everywhere and 1,000 request ids", () => {
    const emoji = "😀".repeat(50_000);
    const message = renderSlack(
      notice(
        { id: `n${emoji}` },
        {
          account: { id: `id${emoji}`, name: emoji },
          provider: emoji,
          rule_id: emoji,
          title: emoji,
          what_happened: emoji,
          remediation: Array.from({ length: 100 }, () => emoji),
          messages: Array.from({ length: 100 }, () => `<&>${emoji}`),
          provider_messages: Array.from({ length: 100 }, () => `<&>${emoji}`),
          last_error: {
            status: 500,
            method: emoji,
            path: emoji,
            message: emoji,
            provider_message: emoji,
            request_id: emoji,
            at: emoji,
          },
          request_ids: Array.from({ length: 1_000 }, (_, i) => `req_${i}_${emoji}`),
          docs_url: `https://docs.example.com/${"x".repeat(5_000)}`,
        },
      ),
      { reauthUrlTemplate: `https://app.example.com/{account_id}` },
    );
    expectWithinSlackLimits(message);
    // Cut, not dropped: the newest request id still shows, and the rest are counted.
    expect(texts(block(message, "request_ids"))[0]).toContain("req_999_");
    expect(texts(block(message, "request_ids"))[0]).toMatch(/…and \d+ more/);
    // A URL that would be cut is left out rather than broken.
    expect(buttons(message).map((b) => b.text.text)).not.toContain("Provider docs");
  });
});
