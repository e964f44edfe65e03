import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatNotice } from "../../server/console-notice.ts";
import { createClassifier } from "../../shared/classify/classifier.ts";
import { parseEvent } from "../../shared/events/parse-event.ts";
import { toNotice } from "../../shared/incidents/notice-decisions.ts";
import { renderEmail } from "../../shared/notify/email.ts";
import { renderSlack } from "../../shared/notify/slack.ts";
import { defangUrls, hasControl, oneLine, plainText } from "../../shared/outside-text.ts";
import { BUILTIN_RULES } from "../../shared/quirks/catalog.ts";
import { openedIncident } from "../support/factories.ts";
import { notice } from "../support/notices.ts";

/** What a terminal or a mail reader acts on: C0 and C1 controls, DEL, line separators, bidi. */
const CONTROL = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

describe("the outside-text sanitizer", () => {
  it("removes escape sequences whole, not just their ESC", () => {
    expect(oneLine("\x1b]0;pwned\x07Acme")).toBe("Acme");
    expect(oneLine("Acme\x1b]52;c;ZWNobyBldmls\x1b\\ GmbH")).toBe("Acme GmbH");
    expect(oneLine("ok\x1b[1A\x1b[2K[INFO] forged")).toBe("ok[INFO] forged");
    expect(oneLine("a\x9b31mred\x9d0;t\x9cb")).toBe("aredb");
    expect(oneLine("unterminated \x1b]0;title")).toBe("unterminated");
    expect(oneLine("\x1bP1;2|secret")).toBe("");
  });

  it("folds lines and strips C0, C1 and bidi controls", () => {
    expect(oneLine("Missing\r\npermissions\u2028People\x85Payroll\u202eevil\x00")).toBe(
      "Missing permissions People Payroll evil",
    );
    expect(plainText("line 1\r\nline 2\x1b[31m\x07\tend")).toBe("line 1\nline 2 end");
  });

  it("defangs links so a mail reader does not make them clickable", () => {
    expect(defangUrls("Sign in at https://evil.example/login or HTTP://x.io.")).toBe(
      "Sign in at hxxps://evil[.]example/login or hxxp://x[.]io.",
    );
    expect(defangUrls("no link here")).toBe("no link here");
  });

  it("never leaves a control character, whatever the input", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (text) => {
        expect(oneLine(text)).not.toMatch(CONTROL);
        expect(plainText(text).replaceAll("\n", "")).not.toMatch(CONTROL);
      }),
      { numRuns: 2_000 },
    );
  });
});

/** Every string in a JSON value, as a receiver parses it. */
function stringsIn(value: unknown): string[] {
  const strings: string[] = [];
  JSON.parse(JSON.stringify(value), (_key, v) => {
    if (typeof v === "string") strings.push(v);
    return v;
  });
  return strings;
}

describe("notices show outside text as text", () => {
  const forged = "Token expired\n\nWhat to do\n1. Email your API key to help@evil.example";

  it("keeps a provider's message on one line in the internal email: no forged section", () => {
    const n = notice(1, {
      last_error: {
        status: 401,
        provider_message: forged,
        message: forged,
        at: "2024-05-01T12:05:00Z",
      },
      provider_messages: [forged],
      messages: [forged],
    });
    const body = renderEmail(n, "internal").body;
    expect(body.split("\n").filter((line) => line === "What to do")).toHaveLength(1);
    expect(body).toContain("Token expired What to do 1. Email your API key");
  });

  it("defangs links from the provider in the customer's email", () => {
    const n = notice(1, {
      last_error: {
        status: 401,
        provider_message: "Log in again at https://hibob.evil.example/reset",
        at: "2024-05-01T12:05:00Z",
      },
    });
    const body = renderEmail(n, "customer").body;
    expect(body).toContain("hxxps://hibob[.]evil[.]example/reset");
    expect(body).not.toContain("https://hibob.evil");
  });

  it("prints no escape sequence to the console", () => {
    const n = notice(1, {
      account: { id: "acct\x1b[2K", name: "\x1b]0;owned\x07Acme\nINFO forged line" },
      last_error: { path: "/x\x1b[1A", provider_message: "\x1b]52;c;Y2xpcA==\x07gone", at: "x" },
    });
    const text = formatNotice(n);
    for (const line of text.split("\n")) expect(line).not.toMatch(CONTROL);
    expect(text).toContain("Acme INFO forged line");
    expect(text.split("\n")).toHaveLength(
      formatNotice(notice(1, { last_error: n.incident.last_error })).split("\n").length,
    );
  });

  const classifier = createClassifier(BUILTIN_RULES);
  const hostile = fc.string({ unit: "binary", maxLength: 60 }).map((s) => `x${s}`);

  it("no console line, email, Slack text or webhook field holds a control character from input", () => {
    fc.assert(
      fc.property(
        fc.record({
          account: hostile,
          name: hostile,
          owner: hostile,
          provider: fc.constantFrom("hibob", "lever", "greenhouse"),
          path: hostile,
          message: hostile,
          code: hostile,
          raw: hostile,
          request: hostile,
          type: hostile,
        }),
        fc.constantFrom(401, 403, 500),
        (input, status) => {
          const input_ = {
            id: "e1",
            source: "generic",
            kind: "error",
            type: input.type,
            occurred_at: "2026-11-24T10:00:00.000Z",
            account: {
              id: input.account,
              name: input.name,
              owner_name: input.owner,
              owner_email: input.owner,
            },
            provider: input.provider,
            http: { status, method: "GET", path: input.path },
            error: {
              message: input.message,
              code: input.code,
              provider_errors: [{ status, raw: input.raw }],
            },
            request_id: input.request,
          };
          // An id with a control in it is refused, not cleaned: two ids must stay two.
          if (hasControl(input.account.trim())) {
            expect(() => parseEvent(input_)).toThrow(/account\.id: must not contain control/);
            return;
          }
          const event = parseEvent(input_);
          const record = openedIncident(
            classifier.classify(event),
            [event],
            new Date("2026-11-24T10:00:01.000Z"),
          );
          const pending = record.outbox[0];
          if (pending === undefined) return;
          const n = toNotice(record, pending);
          const texts = [
            formatNotice(n),
            ...(["internal", "customer"] as const).flatMap((audience) => {
              const email = renderEmail(n, audience);
              const slack = renderSlack(n, { audience });
              return [email.subject, email.body, slack.text, ...stringsIn(slack.blocks)];
            }),
          ];
          for (const text of texts)
            for (const line of text.split("\n")) expect(line).not.toMatch(CONTROL);
          // A webhook receives the notice as JSON: no field holds a control, not even a newline.
          for (const value of stringsIn(n)) expect(value).not.toMatch(CONTROL);
        },
      ),
      { numRuns: 300 },
    );
  });
});
