import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createClassifier } from "../../shared/classify/classifier.ts";
import { LIMITS } from "../../shared/events/event.ts";
import { EventValidationError } from "../../shared/events/parse-event.ts";
import { hasControl, oneLine } from "../../shared/outside-text.ts";
import { BUILTIN_RULES } from "../../shared/quirks/catalog.ts";
import { CATEGORIES } from "../../shared/quirks/rule.ts";
import { normalizeStackone } from "../../shared/sources/stackone/normalize.ts";

const classifier = createClassifier(BUILTIN_RULES);
const RULE_IDS = new Set(BUILTIN_RULES.map((r) => r.id));

const anyJson = fc.jsonValue({ maxDepth: 3 });

/** Mostly values of the expected shape, sometimes any JSON at all. */
const field = <T>(typical: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 4, arbitrary: typical }, { weight: 1, arbitrary: anyJson });

const text = fc.oneof(
  fc.string(),
  fc.constantFrom("", "   ", "Too many requests", "on behalf of user not found", "ECONNRESET"),
);
const status = fc.oneof(
  fc.constantFrom(200, 201, 304, 400, 401, 403, 404, 408, 409, 412, 422, 429, 500, 501, 503),
  fc.integer({ min: -1000, max: 1000 }),
  fc.constantFrom("404", "5xx", "abc", "1e3"),
);
const provider = fc.oneof(
  fc.constantFrom("hibob", "greenhouse", "smartrecruiters", "lever", "bullhorn", "workday"),
  fc.string({ minLength: 1, maxLength: 300 }),
);
const timestamp = fc.oneof(
  fc
    .date({ min: new Date("2000-01-01"), max: new Date("2100-01-01"), noInvalidDate: true })
    .map((d) => d.toISOString()),
  fc.integer({ min: 0, max: 4_102_444_800_000 }),
  // Dates JavaScript can hold but ISO 8601 cannot write in four digits.
  fc.constantFrom(8.64e15, -8.64e15, 1e14, "+275760-09-13T00:00:00.000Z", "-001000-01-01"),
  text,
);
const url = fc.oneof(
  fc.webUrl({ withQueryParameters: true }),
  fc.constantFrom(
    "https://api.stackone.com/unified/ats/notes",
    "https://api.stackone.com/unified/ats/candidates/undefined/notes",
    "https://api.stackone.com/unified/hris/employees?page_size=2",
    "/unified/ats/interviews",
    "http://[::1",
  ),
  text,
);
const body = fc.oneof(
  anyJson,
  anyJson.map((v) => JSON.stringify(v)),
);
const headers = fc.dictionary(
  fc.constantFrom("Retry-After", "retry-after", "x-request-id", "content-type"),
  field(
    fc.oneof(
      fc.nat({ max: 200_000 }).map(String),
      fc.date().map((d) => String(d)),
      text,
    ),
  ),
);
const providerError = fc.record(
  { status: field(status), url: field(url), raw: field(body), headers: field(headers) },
  { requiredKeys: [] },
);
const providerErrors = field(fc.array(field(providerError), { maxLength: 12 }));

/** The keys StackOne envelopes, request logs and error bodies use, each maybe absent. */
const stackoneKeys = {
  account_id: field(fc.oneof(fc.string({ maxLength: 300 }), fc.integer())),
  accountId: field(fc.string()),
  provider: field(provider),
  id: field(fc.string({ maxLength: 300 })),
  event_id: field(fc.string()),
  event: field(
    fc.oneof(
      fc.constantFrom("request.failed", "account.updated", "account.error", "account.expired"),
      text,
    ),
  ),
  type: field(text),
  status: field(fc.oneof(status, fc.constantFrom("active", "error", "expired", "revoked"))),
  statusCode: field(status),
  success: field(fc.boolean()),
  message: field(text),
  error: field(fc.oneof(text, fc.record({ message: field(text) }))),
  error_details: field(fc.array(field(text))),
  code: field(text),
  errorCode: field(text),
  request_id: field(text),
  event_date: field(timestamp),
  timestamp: field(timestamp),
  url: field(url),
  resource: field(fc.oneof(fc.constantFrom("employees", "notes", "interviews"), text)),
  provider_errors: providerErrors,
  request: field(
    fc.record(
      {
        method: field(fc.oneof(fc.constantFrom("GET", "POST", "patch"), text)),
        url: field(url),
        body,
      },
      { requiredKeys: [] },
    ),
  ),
  response: field(
    fc.record(
      { status_code: field(status), body, data: body, provider_errors: providerErrors },
      { requiredKeys: [] },
    ),
  ),
};

const stackoneish = fc.record(
  { ...stackoneKeys, data: field(fc.record(stackoneKeys, { requiredKeys: [] })) },
  { requiredKeys: [] },
);

/** Any JSON, StackOne-looking objects most of all. */
const anyPayload = fc.oneof(
  { weight: 1, arbitrary: fc.jsonValue() },
  { weight: 3, arbitrary: stackoneish },
);

type Outcome =
  | { ok: true; event: ReturnType<typeof normalizeStackone> }
  | { ok: false; error: EventValidationError };

function normalize(payload: unknown, raw = JSON.stringify(payload)): Outcome {
  try {
    return { ok: true, event: normalizeStackone(payload, raw) };
  } catch (error) {
    if (error instanceof EventValidationError) return { ok: false, error };
    throw error;
  }
}

describe("normalizeStackone + classify on untrusted input", () => {
  it("either classifies into a known category or fails naming the bad field", () => {
    fc.assert(
      fc.property(anyPayload, (payload) => {
        const outcome = normalize(payload);
        if (!outcome.ok) {
          const { issues } = outcome.error;
          expect(issues.length).toBeGreaterThan(0);
          for (const issue of issues) {
            expect(issue.message).not.toBe("");
            // The root only for a payload that is no object at all, or an event too large.
            if (issue.path === "") expect(issue.message).toMatch(/JSON object|bytes/);
            else expect(issue.path).toMatch(/^[a-z_]+(\.[a-z_0-9]+)*$/);
            expect(outcome.error.message).toContain(issue.path);
          }
          return;
        }
        const result = classifier.classify(outcome.event);
        expect(CATEGORIES).toContain(result.category);
        expect(RULE_IDS.has(result.rule_id), result.rule_id).toBe(true);
        expect(result.remediation.length).toBeGreaterThan(0);
        // An error is always alerted on; only successes and account news may stay silent.
        if (outcome.event.kind === "error") expect(result.must_act).not.toBe("nobody");
      }),
      { numRuns: 500 },
    );
  });

  it("rejects anything but an object at the root", () => {
    fc.assert(
      fc.property(
        fc.jsonValue().filter((v) => typeof v !== "object" || v === null || Array.isArray(v)),
        (payload) => {
          const outcome = normalize(payload);
          expect(outcome.ok).toBe(false);
        },
      ),
    );
  });

  /** A usable account id and provider, plus any StackOne keys of ordinary size. */
  const identified = fc.record({
    payload: fc.record(
      {
        ...stackoneKeys,
        provider_errors: fc.array(providerError, { maxLength: 3 }),
        data: fc.record(stackoneKeys, { requiredKeys: [] }),
      },
      { requiredKeys: [] },
    ),
    // Ids with control characters are refused (test/unit/outside-text.test.ts).
    account_id: fc.oneof(
      fc
        .string({ minLength: 1, maxLength: LIMITS.id })
        .filter((s) => s.trim() !== "" && !hasControl(s)),
      fc.nat(),
    ),
    provider: fc.string({ minLength: 1, maxLength: LIMITS.id }).filter((s) => s.trim() !== ""),
    id: fc.option(
      fc.string({ minLength: 1, maxLength: LIMITS.id }).filter((s) => s.trim() !== ""),
      { nil: undefined },
    ),
  });

  it("always normalizes an object with an account id and a provider, unless its time is unreadable", () => {
    fc.assert(
      fc.property(identified, ({ payload, account_id, provider, id }) => {
        const { event_id: _, ...rest } = payload;
        const outcome = normalize({ ...rest, account_id, provider, id });
        if (!outcome.ok) {
          // A time is evidence: one that cannot be read is refused by name, never taken for now.
          expect(outcome.error.issues).toEqual([
            {
              path: expect.stringMatching(
                /^((data|event_data)\.)?(event_date|event_datetime|sent_at|timestamp)$/,
              ),
              message: expect.stringMatching(/^not a time/),
            },
          ]);
          return;
        }
        expect(outcome.event.account.id).toBe(String(account_id).trim());
        expect(outcome.event.provider).toBe(oneLine(provider).toLowerCase());
      }),
      {
        numRuns: 300,
        // Free text is cut, never rejected: an odd method must not lose the event.
        examples: [
          [
            {
              payload: { request: { method: "GET /unified/ats/jobs" } },
              account_id: "a",
              provider: "lever",
              id: undefined,
            },
          ],
          [{ payload: { timestamp: 8.64e15 }, account_id: "a", provider: "lever", id: undefined }],
          [
            {
              payload: { event_date: "-001000-01-01" },
              account_id: "a",
              provider: "lever",
              id: undefined,
            },
          ],
        ],
      },
    );
  });

  it("reads an event's time as JavaScript does, whether or not it takes the short way", () => {
    const pad = (n: number, width: number) => String(n).padStart(width, "0");
    // Every field in and out of range, so impossible days (30 February) and hours are included.
    const written = fc
      .tuple(
        fc.integer({ min: 0, max: 9999 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        fc.integer({ min: 0, max: 25 }),
        fc.integer({ min: 0, max: 61 }),
        fc.integer({ min: 0, max: 61 }),
        fc.integer({ min: 0, max: 999 }),
      )
      .map(
        ([y, mo, d, h, mi, s, ms]) =>
          `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}.${pad(ms, 3)}Z`,
      );
    fc.assert(
      fc.property(written, (date) => {
        const outcome = normalize({ account_id: "a", provider: "lever", event_date: date });
        const parsed = new Date(date);
        if (Number.isNaN(parsed.getTime())) {
          expect(outcome.ok || outcome.error.issues).toEqual([
            { path: "event_date", message: expect.stringMatching(/^not a time/) },
          ]);
          return;
        }
        if (!outcome.ok) throw outcome.error;
        expect(outcome.event.occurred_at).toBe(parsed.toISOString());
      }),
      { numRuns: 2_000, examples: [["2026-02-30T00:00:00.000Z"], ["2026-01-31T24:00:00.000Z"]] },
    );
  });

  it("gives the same raw body the same event id, and different bodies different ids", () => {
    fc.assert(
      fc.property(identified, identified, (a, b) => {
        const bodyOf = ({ payload, account_id, provider }: typeof a) => {
          const { id: _id, event_id: _eventId, ...rest } = payload;
          return JSON.stringify({ ...rest, account_id, provider });
        };
        const [rawA, rawB] = [bodyOf(a), bodyOf(b)];
        const first = normalize(JSON.parse(rawA), rawA);
        const again = normalize(JSON.parse(rawA), rawA);
        const other = normalize(JSON.parse(rawB), rawB);
        // Whether these normalize at all is the property above.
        fc.pre(first.ok && again.ok && other.ok);
        if (!first.ok || !again.ok || !other.ok) return;
        expect(again.event.id).toBe(first.event.id);
        if (rawA !== rawB) expect(other.event.id).not.toBe(first.event.id);
      }),
      { numRuns: 200 },
    );
  });

  it("keeps the payload's own id, so a redelivery is recognised whatever its bytes", () => {
    fc.assert(
      fc.property(identified, fc.string({ minLength: 1, maxLength: 64 }), (a, id) => {
        fc.pre(id.trim() !== "");
        const payload = { ...a.payload, account_id: a.account_id, provider: a.provider, id };
        const compact = normalize(payload, JSON.stringify(payload));
        const pretty = normalize(payload, JSON.stringify(payload, null, 2));
        fc.pre(compact.ok && pretty.ok);
        if (!compact.ok || !pretty.ok) return;
        expect(compact.event.id).toBe(id.trim());
        expect(pretty.event.id).toBe(id.trim());
      }),
      { numRuns: 100 },
    );
  });
});
