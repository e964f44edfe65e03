import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { IntegrationEventInput } from "../../shared/events/event.ts";
import { parseEvent } from "../../shared/events/parse-event.ts";
import { PROVIDER_MESSAGE_CHARS, providerMessage } from "../../shared/events/provider-message.ts";
import { normalizeStackone } from "../../shared/sources/stackone/normalize.ts";

const withRaw = (...raws: (string | undefined)[]) =>
  parseEvent({
    id: "e1",
    source: "stackone",
    kind: "error",
    occurred_at: "2026-11-24T10:00:00.000Z",
    account: { id: "acct_1" },
    provider: "hibob",
    error: { provider_errors: raws.map((raw) => ({ status: 403, raw })) },
  } satisfies IntegrationEventInput);

describe("providerMessage", () => {
  it.each([
    [
      "a plain string",
      "Missing permissions: People > Payroll",
      "Missing permissions: People > Payroll",
    ],
    ["a JSON string", '"Token expired"', "Token expired"],
    [
      "message",
      '{"message":"Missing permissions: People > Payroll"}',
      "Missing permissions: People > Payroll",
    ],
    [
      "error as text",
      '{"error":"invalid_grant","error_description":"Refresh token revoked"}',
      "invalid_grant; Refresh token revoked",
    ],
    ["error as an object", '{"error":{"code":403,"message":"No access"}}', "No access"],
    [
      "errors[]",
      '{"errors":[{"status":"403","title":"Forbidden","detail":"API key lacks scope"},"second"]}',
      "API key lacks scope; second",
    ],
    [
      "Bullhorn's errorMessage",
      '{"errorMessage":"error persisting an entity of type: Note","errorCode":400}',
      "error persisting an entity of type: Note",
    ],
    [
      "JSON cut short",
      `{"message":"Missing permissions: People > Payroll","trace":"${"x".repeat(50)}`,
      "Missing permissions: People > Payroll",
    ],
    ["several lines", "Forbidden\n\tno access\r\n", "Forbidden no access"],
  ])("reads %s", (_, raw, words) => {
    expect(providerMessage(withRaw(raw))).toBe(words);
  });

  it("takes the first provider error that says something", () => {
    expect(providerMessage(withRaw(undefined, "  ", "{}", "[]", "second"))).toBe("second");
    expect(providerMessage(withRaw('{"code":"LeverError"}'))).toBe('{"code":"LeverError"}');
    expect(providerMessage(withRaw(undefined, "  "))).toBeUndefined();
    expect(providerMessage(withRaw())).toBeUndefined();
  });

  it("reaches the event from a StackOne error body with an object raw", () => {
    const event = normalizeStackone(
      {
        statusCode: 403,
        message: "Forbidden",
        account_id: "acct_1",
        provider: "hibob",
        provider_errors: [
          { status: 403, raw: { message: "Missing permissions: People > Payroll" } },
        ],
      },
      "{}",
    );
    expect(providerMessage(event)).toBe("Missing permissions: People > Payroll");
  });

  it("is one line of at most the documented length, whatever the provider sends", () => {
    const raw = fc.oneof(
      fc.string({ maxLength: 2_000 }),
      fc.string({ unit: "grapheme", maxLength: 1_000 }),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc
        .record(
          {
            message: fc.string({ maxLength: 2_000 }),
            error: fc.oneof(fc.string(), fc.record({ message: fc.string() })),
            errors: fc.array(fc.oneof(fc.string(), fc.record({ message: fc.string() }))),
          },
          { requiredKeys: [] },
        )
        .map((v) => JSON.stringify(v)),
    );
    fc.assert(
      fc.property(raw, (text) => {
        const words = providerMessage(withRaw(text));
        if (words === undefined) return;
        expect(words.length).toBeLessThanOrEqual(PROVIDER_MESSAGE_CHARS);
        expect(words).not.toMatch(/[\n\r\u2028\u2029]/);
        expect(words).toBe(words.trim());
      }),
      // A blank `error` beside nothing else was once kept as " ".
      { numRuns: 500, examples: [['{"error":" "}']] },
    );
  });
});
