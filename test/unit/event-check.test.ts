import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EVENT_KINDS, IntegrationEvent } from "../../shared/events/event.ts";
import { checkedEvent, EventValidationError, parseEvent } from "../../shared/events/parse-event.ts";
import { normalizeStackone } from "../../shared/sources/stackone/normalize.ts";
import { issuesOf } from "../../shared/validation.ts";

// Ingest checks the common shape of an event by hand (`checkedEvent`) and leaves the rest to
// zod. Whatever the hand check accepts must come out exactly as zod makes it: same fields, same
// cuts, same order (the queued JSON); and every event it leaves to zod gets zod's answer.

/** Strings that exercise what the schema trims, cuts, folds and refuses. */
const tricky = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom("", " ", " lever ", "LeVeR", "get", "ß", "a\u0000b", "a\nb", "a  b", "\u202e"),
  fc.string({ minLength: 250, maxLength: 1_100 }),
  fc.string({ unit: fc.constantFrom("a", " ", "\t", "\u001b", "[", "é", "\u2028"), maxLength: 30 }),
);
const anyValue = fc.oneof(
  tricky,
  fc.constant(undefined),
  fc.constant(null),
  fc.integer(),
  fc.double(),
  fc.jsonValue({ maxDepth: 2 }),
);
/** Mostly a value of the expected kind, sometimes anything. */
const field = <T>(typical: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 20, arbitrary: typical }, { weight: 1, arbitrary: anyValue });
const optional = <T>(typical: fc.Arbitrary<T>) =>
  fc.option(field(typical), { nil: undefined, freq: 3 });
const status = fc.oneof(
  fc.integer({ min: 100, max: 599 }),
  fc.constantFrom(99, 600, 503.5, Number.NaN),
);
const time = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .date({ min: new Date("1990-01-01"), max: new Date("2100-01-01"), noInvalidDate: true })
      .map((d) => d.toISOString()),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "2026-12-03T00:29:04Z",
      "2026-12-03T00:29:04.123456Z",
      "2026-12-03T00:29:04.123+01:00",
      "2026-02-29T00:00:00.000Z",
      "2026-13-01T00:00:00.000Z",
    ),
  },
);
const id = fc.oneof(
  { weight: 8, arbitrary: fc.stringMatching(/^[a-z0-9_]{1,12}$/) },
  { weight: 1, arbitrary: tricky },
);
const providerError = fc.record(
  { status: optional(status), url: optional(tricky), raw: optional(tricky) },
  { requiredKeys: [] },
);
const eventLike = fc.record(
  {
    id: field(id),
    source: field(fc.oneof(fc.constantFrom("stackone", "generic"), tricky)),
    kind: field(fc.constantFrom(...EVENT_KINDS)),
    type: optional(tricky),
    occurred_at: field(time),
    account: field(
      fc.record(
        {
          id: field(id),
          name: optional(tricky),
          owner_id: optional(tricky),
          owner_name: optional(tricky),
          owner_email: optional(tricky),
        },
        { requiredKeys: [] },
      ),
    ),
    provider: field(fc.oneof(fc.constantFrom("lever", "hibob"), tricky)),
    http: optional(
      fc.record(
        { status: optional(status), method: optional(tricky), path: optional(tricky) },
        { requiredKeys: [] },
      ),
    ),
    resource: optional(tricky),
    error: optional(
      fc.record(
        {
          message: optional(tricky),
          code: optional(tricky),
          provider_errors: optional(fc.array(field(providerError), { maxLength: 12 })),
        },
        { requiredKeys: [] },
      ),
    ),
    request_id: optional(tricky),
    retry_after_seconds: optional(fc.oneof(fc.integer({ min: -5, max: 90_000 }), fc.double())),
    request_body: optional(fc.jsonValue({ maxDepth: 3 })),
    response_body: optional(fc.jsonValue({ maxDepth: 3 })),
    extra: optional(tricky),
  },
  { requiredKeys: ["id", "source", "kind", "occurred_at", "account", "provider"] },
);

describe("the hand check of an event agrees with the schema", () => {
  it("accepts only what zod accepts, and returns exactly what zod returns", () => {
    let taken = 0;
    fc.assert(
      fc.property(eventLike, (input) => {
        const checked = checkedEvent(input);
        if (checked === undefined) return;
        taken++;
        const parsed = IntegrationEvent.safeParse(input);
        expect(parsed.success).toBe(true);
        expect(JSON.stringify(checked)).toBe(JSON.stringify(parsed.data));
      }),
      { numRuns: 5_000 },
    );
    // Not a vacuous property: a good share of the inputs take the hand check.
    expect(taken).toBeGreaterThan(200);
  });

  it("answers every event as the schema does: the same event, or the same issues", () => {
    fc.assert(
      fc.property(eventLike, (input) => {
        const parsed = IntegrationEvent.safeParse(input);
        let outcome: unknown;
        try {
          outcome = JSON.stringify(parseEvent(input));
        } catch (error) {
          if (!(error instanceof EventValidationError)) throw error;
          outcome = error.issues;
        }
        if (parsed.success) {
          const json = JSON.stringify(parsed.data);
          // Past the size limit, parseEvent refuses what the schema alone takes.
          if (Buffer.byteLength(json) <= 16_384) expect(outcome).toBe(json);
        } else {
          expect(outcome).toEqual(issuesOf(parsed.error));
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it("takes StackOne's request.failed webhook, the common case, without zod", () => {
    const event = normalizeStackone(
      {
        id: "evt_1",
        event: "request.failed",
        event_date: new Date().toISOString(),
        account_id: "acct_1",
        provider: "lever",
        origin_owner_name: "Customer 1",
        data: {
          request_id: "req_1",
          status: 503,
          request: { method: "GET", url: "https://api.stackone.com/unified/ats/candidates" },
          message: "Lever is temporarily down for maintenance",
        },
      },
      "",
    );
    expect(checkedEvent(event)).toEqual(event);
  });
});
