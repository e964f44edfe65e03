import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createHandler } from "../../functions/ingest.ts";
import { fixedClock } from "../../shared/clock.ts";
import { EVENT_KINDS } from "../../shared/events/event.ts";
import { signStackone } from "../../shared/sources/stackone/signature.ts";
import { generateSecret, sign } from "../../shared/standard-webhooks.ts";
import { apiEvent as gatewayEvent } from "../support/api.ts";
import { MemoryEventQueue } from "../support/memory-ports.ts";

const STACKONE_SECRET = "stackone-secret";
const GENERIC_SECRET = generateSecret();
const NOW = new Date("2025-06-01T12:00:00Z");

function setup() {
  const queue = new MemoryEventQueue();
  const handle = createHandler({
    queue,
    stackoneSecrets: [STACKONE_SECRET],
    genericSecret: GENERIC_SECRET,
    clock: fixedClock(NOW),
  });
  return { queue, handle };
}

const apiEvent = (
  source: string,
  body: Buffer,
  headers: Record<string, string>,
  base64: boolean,
): APIGatewayProxyEventV2 =>
  gatewayEvent("POST /webhooks/{source}", { params: { source }, headers, body, base64 });

function stackoneEvent(body: Buffer, base64 = true): APIGatewayProxyEventV2 {
  return apiEvent(
    "stackone",
    body,
    { "x-stackone-signature": signStackone(STACKONE_SECRET, body) },
    base64,
  );
}

function genericEvent(body: string): APIGatewayProxyEventV2 {
  return apiEvent("generic", Buffer.from(body), sign(GENERIC_SECRET, "msg_1", body, NOW), false);
}

/** The invariants every answer keeps, whatever was sent. */
function checkResponse(response: APIGatewayProxyStructuredResultV2, queue: MemoryEventQueue) {
  const status = response.statusCode ?? 0;
  expect(status).toBeGreaterThanOrEqual(200);
  expect(status).toBeLessThan(500);
  expect(response.headers?.["content-type"]).toBe("application/json");
  const body = JSON.parse(String(response.body));
  if (status === 202) {
    expect(body.accepted).toBe(queue.messages.length);
    expect(body.ids).toHaveLength(body.accepted);
    expect(body.ids).toEqual(queue.messages.map((m) => JSON.parse(m.body).id));
  } else {
    expect(typeof body.error).toBe("string");
    expect(Array.isArray(body.details)).toBe(true);
    expect(queue.messages).toEqual([]);
  }
  return { status, body };
}

/** Things that come close to a normalized event, so that some of them pass. */
const nearEvent = fc.record(
  {
    id: fc.oneof(fc.string({ maxLength: 300 }), fc.jsonValue()),
    source: fc.string(),
    kind: fc.oneof(fc.constantFrom(...EVENT_KINDS), fc.jsonValue()),
    type: fc.oneof(fc.string(), fc.jsonValue()),
    occurred_at: fc.oneof(
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      fc.jsonValue(),
    ),
    account: fc.oneof(fc.record({ id: fc.string(), name: fc.string() }), fc.jsonValue()),
    provider: fc.oneof(fc.constantFrom("hibob", "Workday"), fc.jsonValue()),
    http: fc.oneof(fc.record({ status: fc.integer(), method: fc.string() }), fc.jsonValue()),
    retry_after_seconds: fc.oneof(fc.double(), fc.jsonValue()),
    request_body: fc.jsonValue(),
  },
  { requiredKeys: ["id", "kind", "occurred_at", "account", "provider"] },
);

/** StackOne-shaped envelopes with anything in their fields. */
const nearStackone = fc.record(
  {
    id: fc.oneof(fc.string(), fc.jsonValue()),
    event: fc.oneof(
      fc.constantFrom("account.error", "account.updated", "account.created", "request.failed"),
      fc.jsonValue(),
    ),
    event_date: fc.oneof(
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      fc.jsonValue(),
    ),
    account_id: fc.oneof(fc.string(), fc.integer(), fc.jsonValue()),
    provider: fc.oneof(fc.constantFrom("hibob", "greenhouse"), fc.jsonValue()),
    status: fc.oneof(fc.constantFrom("active", "error", "expired"), fc.jsonValue()),
    data: fc.oneof(
      fc.jsonValue(),
      fc.record(
        {
          statusCode: fc.oneof(fc.integer({ min: 100, max: 599 }), fc.jsonValue()),
          message: fc.jsonValue(),
          error_details: fc.array(fc.jsonValue(), { maxLength: 3 }),
          request: fc.record({ method: fc.jsonValue(), url: fc.jsonValue(), body: fc.jsonValue() }),
          response: fc.record({ status_code: fc.jsonValue(), body: fc.jsonValue() }),
          provider_errors: fc.array(
            fc.record({
              status: fc.jsonValue(),
              raw: fc.jsonValue(),
              url: fc.jsonValue(),
              headers: fc.dictionary(
                fc.constantFrom("x-request-id", "Retry-After", "retry-after"),
                fc.oneof(
                  fc.jsonValue(),
                  fc.nat().map(String),
                  fc.date().map((d) => d.toUTCString()),
                ),
              ),
            }),
            { maxLength: 12 },
          ),
        },
        { requiredKeys: [] },
      ),
    ),
  },
  { requiredKeys: [] },
);

describe("ingest on untrusted input", () => {
  it("never answers 5xx nor throws for arbitrary bytes, signed or not", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("stackone", "generic", "merge", ""),
        fc.uint8Array({ maxLength: 2_048 }),
        fc.boolean(),
        fc.dictionary(fc.string(), fc.string()),
        async (source, bytes, signed, headers) => {
          const { queue, handle } = setup();
          const body = Buffer.from(bytes);
          const event = signed ? stackoneEvent(body) : apiEvent(source, body, headers, true);
          checkResponse(await handle(event), queue);
        },
      ),
    );
  });

  it("never answers 5xx for arbitrary JSON signed by StackOne", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.jsonValue(), nearStackone, fc.array(nearStackone, { maxLength: 5 })),
        fc.boolean(),
        async (payload, base64) => {
          const { queue, handle } = setup();
          const body = Buffer.from(JSON.stringify(payload) ?? "null");
          checkResponse(await handle(stackoneEvent(body, base64)), queue);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("never answers 5xx for objects that cannot become strings", async () => {
    // Found by hand: `String({ toString: 1 })` throws, and JSON can carry such an object.
    const { queue, handle } = setup();
    const payload = {
      event: "request.failed",
      account_id: "acc_1",
      provider: "hibob",
      data: { error_details: [{ toString: 1, valueOf: 1 }], message: { toString: 1 } },
    };
    checkResponse(await handle(stackoneEvent(Buffer.from(JSON.stringify(payload)))), queue);
  });

  it("never answers 5xx for arbitrary JSON signed with Standard Webhooks", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue(),
          nearEvent,
          fc.array(nearEvent, { maxLength: 120 }),
          fc.array(nearEvent, { minLength: 95, maxLength: 110 }),
        ),
        async (payload) => {
          const { queue, handle } = setup();
          checkResponse(await handle(genericEvent(JSON.stringify(payload) ?? "null")), queue);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("accepts every well-formed batch whole, one message per event", async () => {
    const wellFormed = fc.record({
      id: fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim() !== ""),
      kind: fc.constantFrom(...EVENT_KINDS),
      // Any time ingest takes: within the dedup retention, at most 5 minutes ahead.
      occurred_at: fc
        .date({
          noInvalidDate: true,
          min: new Date(NOW.getTime() - 7 * 24 * 3600_000),
          max: new Date(NOW.getTime() + 5 * 60_000),
        })
        .map((d) => d.toISOString()),
      account: fc.record({
        id: fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim() !== ""),
      }),
      provider: fc.constantFrom("hibob", "Workday", "greenhouse"),
      source: fc.string(),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(wellFormed, { minLength: 1, maxLength: 100 }), async (events) => {
        const { queue, handle } = setup();
        const { status, body } = checkResponse(
          await handle(genericEvent(JSON.stringify(events))),
          queue,
        );
        expect(status).toBe(202);
        expect(body.accepted).toBe(events.length);
        expect(queue.messages.every((m) => JSON.parse(m.body).source === "generic")).toBe(true);
      }),
    );
  });
});
