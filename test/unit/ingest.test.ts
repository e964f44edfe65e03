import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { build } from "esbuild";
import { Webhook } from "standardwebhooks";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createHandler, handler } from "../../functions/ingest.ts";
import { MemoryQueue } from "../../server/dynamodb/memory-queue.ts";
import { fixedClock } from "../../shared/clock.ts";
import type { IntegrationEvent } from "../../shared/events/event.ts";
import { EventValidationError } from "../../shared/events/parse-event.ts";
import type { IngestDeps } from "../../shared/ingest/receive.ts";
import { accountStatusLookup } from "../../shared/sources/stackone/linked-accounts.ts";
import { normalizeStackone } from "../../shared/sources/stackone/normalize.ts";
import { signStackone } from "../../shared/sources/stackone/signature.ts";
import { generateSecret, sign } from "../../shared/standard-webhooks.ts";
import { apiEvent as gatewayEvent } from "../support/api.ts";
import { MemoryEventQueue } from "../support/memory-ports.ts";
import { type StackoneServer, startStackoneServer } from "../support/stackone-server.ts";

const STACKONE_SECRET = "stackone-current";
const STACKONE_PREVIOUS = "stackone-previous";
const GENERIC_SECRET = generateSecret();
const NOW = new Date("2025-06-01T12:00:00Z");

/** Remembers every message it takes; can be told to fail the next sends. */
function setup(overrides: Partial<IngestDeps> = {}) {
  const queue = new MemoryEventQueue();
  const handle = createHandler({
    queue,
    stackoneSecrets: [STACKONE_SECRET, STACKONE_PREVIOUS],
    genericSecret: GENERIC_SECRET,
    clock: fixedClock(NOW),
    ...overrides,
  });
  return { queue, handle };
}

/** StackOne's or another source's webhook, as API Gateway hands it to the ingest function. */
function apiEvent(
  source: string,
  body: Buffer | string | undefined,
  headers: Record<string, string> = {},
  options: { base64?: boolean; pathParameters?: boolean } = {},
): APIGatewayProxyEventV2 {
  const { pathParameters, ...event } = gatewayEvent("POST /webhooks/{source}", {
    params: { source },
    headers: { "content-type": "application/json", ...headers },
    body,
    base64: options.base64 ?? false,
  });
  return options.pathParameters === false ? event : { ...event, pathParameters };
}

function genericEvent(overrides: Record<string, unknown> = {}) {
  return {
    id: "evt_1",
    source: "generic",
    kind: "error",
    type: "request.failed",
    occurred_at: "2025-06-01T11:59:00Z",
    account: { id: "acc_1" },
    provider: "hibob",
    http: { status: 401 },
    ...overrides,
  };
}

function genericRequest(
  body: string,
  options: { secret?: string; now?: Date; id?: string; base64?: boolean } = {},
) {
  const headers = sign(
    options.secret ?? GENERIC_SECRET,
    options.id ?? "msg_1",
    body,
    options.now ?? NOW,
  );
  return apiEvent("generic", body, headers, { base64: options.base64 ?? false });
}

const stackonePayload = {
  event: "request.failed",
  event_date: "2025-06-01T11:58:00Z",
  account_id: "acc_9",
  provider: "hibob",
  data: { statusCode: 401, message: "Unauthorized" },
};

function stackoneRequest(
  body: string | Buffer,
  options: { secret?: string; base64?: boolean; header?: string } = {},
) {
  const bytes = typeof body === "string" ? Buffer.from(body) : body;
  const signature = signStackone(options.secret ?? STACKONE_SECRET, bytes);
  return apiEvent(
    "stackone",
    bytes,
    { [options.header ?? "x-stackone-signature"]: signature },
    { base64: options.base64 ?? false },
  );
}

type Parsed = { status: number; body: Record<string, unknown> };

function parse(response: APIGatewayProxyStructuredResultV2): Parsed {
  expect(response.headers?.["content-type"]).toBe("application/json");
  return { status: response.statusCode ?? 0, body: JSON.parse(String(response.body)) };
}

function expectError(response: Parsed, status: number, error: string | RegExp) {
  expect(response.status).toBe(status);
  expect(response.body.error).toMatch(error);
  expect(Array.isArray(response.body.details)).toBe(true);
}

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe("generic source (Standard Webhooks)", () => {
  it("accepts a signed event, forces its source and enqueues it", async () => {
    const { queue, handle } = setup();
    const body = JSON.stringify(genericEvent({ source: "somebody-else" }));
    const response = parse(await handle(genericRequest(body)));

    expect(response).toEqual({ status: 202, body: { accepted: 1, ids: ["evt_1"] } });
    expect(queue.events()).toEqual([
      expect.objectContaining({ id: "evt_1", source: "generic", provider: "hibob" }),
    ]);
  });

  it("accepts an array, enqueuing every event with an id unique in the send", async () => {
    const { queue, handle } = setup();
    const events = ["a", "b", "c"].map((id) => genericEvent({ id }));
    const response = parse(await handle(genericRequest(JSON.stringify(events))));

    expect(response).toEqual({ status: 202, body: { accepted: 3, ids: ["a", "b", "c"] } });
    expect(queue.events().map((e) => e.id)).toEqual(["a", "b", "c"]);
    expect(new Set(queue.messages.map((m) => m.id)).size).toBe(3);
  });

  it("accepts a signature made by the standardwebhooks package, headers in any case", async () => {
    const { queue, handle } = setup();
    const body = JSON.stringify(genericEvent());
    const signature = new Webhook(GENERIC_SECRET).sign("msg_9", NOW, body);
    const seconds = String(NOW.getTime() / 1000);
    const response = parse(
      await handle(
        apiEvent("generic", body, {
          "Webhook-Id": "msg_9",
          "WEBHOOK-TIMESTAMP": seconds,
          "Webhook-Signature": signature,
        }),
      ),
    );
    expect(response.status).toBe(202);
    expect(queue.messages).toHaveLength(1);
  });

  it("rejects a bad signature with 401 and enqueues nothing", async () => {
    const { queue, handle } = setup();
    const body = JSON.stringify(genericEvent());
    const response = parse(await handle(genericRequest(body, { secret: generateSecret() })));
    expectError(response, 401, /signature/);
    expect(queue.messages).toEqual([]);
  });

  it("rejects a body changed after signing", async () => {
    const { queue, handle } = setup();
    const request = genericRequest(JSON.stringify(genericEvent()));
    request.body = JSON.stringify(genericEvent({ provider: "workday" }));
    expectError(parse(await handle(request)), 401, /signature/);
    expect(queue.messages).toEqual([]);
  });

  it("rejects missing signature headers", async () => {
    const { queue, handle } = setup();
    const response = parse(await handle(apiEvent("generic", JSON.stringify(genericEvent()))));
    expectError(response, 401, /missing webhook-id/);
    expect(queue.messages).toEqual([]);
  });

  it("rejects a replay signed more than 5 minutes ago and a timestamp from the future", async () => {
    const { queue, handle } = setup();
    const body = JSON.stringify(genericEvent());
    const old = new Date(NOW.getTime() - 6 * 60_000);
    const ahead = new Date(NOW.getTime() + 6 * 60_000);
    expectError(parse(await handle(genericRequest(body, { now: old }))), 401, /tolerance/);
    expectError(parse(await handle(genericRequest(body, { now: ahead }))), 401, /tolerance/);
    expect(queue.messages).toEqual([]);

    const recent = new Date(NOW.getTime() - 4 * 60_000);
    expect(parse(await handle(genericRequest(body, { now: recent }))).status).toBe(202);
  });

  it("refuses everything when no generic secret is configured", async () => {
    const { queue, handle } = setup({ genericSecret: undefined });
    const response = parse(await handle(genericRequest(JSON.stringify(genericEvent()))));
    expectError(response, 401, "no webhook secret configured");
    expect(queue.messages).toEqual([]);
  });

  it("answers a malformed configured secret with a generic 500 that reveals nothing", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const { handle } = setup({ genericSecret: "whsec_dG9vc2hvcnQ=" });
    const response = await handle(genericRequest(JSON.stringify(genericEvent())));
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(String(response.body))).toEqual({ error: "internal error", details: [] });
  });
});

describe("stackone source", () => {
  it("accepts a payload signed with the current secret and normalizes it", async () => {
    const { queue, handle } = setup();
    const response = parse(await handle(stackoneRequest(JSON.stringify(stackonePayload))));

    expect(response.status).toBe(202);
    expect(response.body.accepted).toBe(1);
    const [event] = queue.events();
    expect(event).toMatchObject({
      source: "stackone",
      kind: "error",
      account: { id: "acc_9" },
      provider: "hibob",
    });
    expect(response.body.ids).toEqual([event?.id]);
  });

  it("keeps a body sample whose keys include __proto__, as JSON allows", async () => {
    const { queue, handle } = setup();
    // JSON.parse makes `__proto__` an own key; written as a literal it would set the prototype.
    const body = `{"event":"request.failed","account_id":"acc_9","provider":"bullhorn","data":{"status":500,"request":{"method":"POST","url":"/unified/ats/notes","body":{"__proto__":{"candidate_id":"7"},"content":"x"}}}}`;
    const response = parse(await handle(stackoneRequest(body)));

    expect(response.status).toBe(202);
    const [event] = queue.events();
    expect(JSON.stringify(event?.request_body)).toBe(
      '{"__proto__":{"candidate_id":"7"},"content":"x"}',
    );
  });

  it("accepts the previous secret during a rotation", async () => {
    const { queue, handle } = setup();
    const request = stackoneRequest(JSON.stringify(stackonePayload), { secret: STACKONE_PREVIOUS });
    expect(parse(await handle(request)).status).toBe(202);
    expect(queue.messages).toHaveLength(1);
  });

  it("reads the signature header in any case", async () => {
    const { handle } = setup();
    const request = stackoneRequest(JSON.stringify(stackonePayload), {
      header: "X-StackOne-Signature",
    });
    expect(parse(await handle(request)).status).toBe(202);
  });

  it("rejects a wrong or missing signature with 401 and enqueues nothing", async () => {
    const { queue, handle } = setup();
    const body = JSON.stringify(stackonePayload);
    expectError(parse(await handle(stackoneRequest(body, { secret: "guess" }))), 401, /signature/);
    expectError(parse(await handle(apiEvent("stackone", body))), 401, /x-stackone-signature/);
    expect(queue.messages).toEqual([]);
  });

  it("refuses everything when no StackOne secret is configured", async () => {
    const { queue, handle } = setup({ stackoneSecrets: [] });
    const response = parse(await handle(stackoneRequest(JSON.stringify(stackonePayload))));
    expectError(response, 401, "no webhook secret configured");
    expect(queue.messages).toEqual([]);
  });

  it("gives the same event id to the same webhook delivered twice", async () => {
    const { queue, handle } = setup();
    const body = JSON.stringify(stackonePayload);
    const first = parse(await handle(stackoneRequest(body)));
    const second = parse(await handle(stackoneRequest(body)));
    expect(first.body.ids).toEqual(second.body.ids);
    expect(queue.events().map((e) => e.id)).toEqual([
      (first.body.ids as string[])[0],
      (first.body.ids as string[])[0],
    ]);
  });

  it("normalizes each element of an array, naming a bad one by its index", async () => {
    const { queue, handle } = setup();
    const good = [stackonePayload, { ...stackonePayload, account_id: "acc_10" }];
    const accepted = parse(await handle(stackoneRequest(JSON.stringify(good))));
    expect(accepted.body.accepted).toBe(2);
    expect(queue.events().map((e) => e.account.id)).toEqual(["acc_9", "acc_10"]);

    const bad = [stackonePayload, { ...stackonePayload, account_id: undefined }];
    const rejected = parse(await handle(stackoneRequest(JSON.stringify(bad))));
    expectError(rejected, 422, /schema/);
    expect(rejected.body.details).toContainEqual(
      expect.objectContaining({ path: "[1].account_id" }),
    );
    expect(queue.messages).toHaveLength(2);
  });

  it("rejects a payload without an account with 422 naming the field", async () => {
    const { handle } = setup();
    const { account_id: _, ...withoutAccount } = stackonePayload;
    const response = parse(await handle(stackoneRequest(JSON.stringify(withoutAccount))));
    expectError(response, 422, /schema/);
    expect(response.body.details).toContainEqual(expect.objectContaining({ path: "account_id" }));
  });
});

describe("bodies", () => {
  it("decodes a base64-encoded body before checking its signature", async () => {
    const { queue, handle } = setup();
    const body = JSON.stringify(stackonePayload);
    const response = parse(await handle(stackoneRequest(body, { base64: true })));
    expect(response.status).toBe(202);
    expect(queue.events()[0]?.account.id).toBe("acc_9");

    const generic = parse(
      await handle(genericRequest(JSON.stringify(genericEvent()), { base64: true })),
    );
    expect(generic.status).toBe(202);
  });

  it("rejects a missing or empty body with 400", async () => {
    const { handle } = setup();
    expectError(parse(await handle(apiEvent("stackone", undefined))), 400, /no body/);
    expectError(parse(await handle(apiEvent("generic", ""))), 400, /no body/);
  });

  it("rejects malformed JSON with 400", async () => {
    const { queue, handle } = setup();
    expectError(parse(await handle(stackoneRequest('{"event": '))), 400, /not valid JSON/);
    expectError(parse(await handle(genericRequest("[1,"))), 400, /not valid JSON/);
    expect(queue.messages).toEqual([]);
  });

  it("rejects invalid UTF-8 with 400", async () => {
    const { handle } = setup();
    const bytes = Buffer.concat([
      Buffer.from('{"event":"'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}'),
    ]);
    const response = parse(await handle(stackoneRequest(bytes, { base64: true })));
    expectError(response, 400, /UTF-8/);
  });

  it("rejects a body over 256 KiB with 413 and accepts one of exactly 256 KiB", async () => {
    const { queue, handle } = setup();
    const event = JSON.stringify(genericEvent());
    const exact = event.padEnd(256 * 1024, " ");
    expect(parse(await handle(genericRequest(exact))).status).toBe(202);

    const over = `${exact} `;
    expectError(parse(await handle(genericRequest(over))), 413, /too large/);
    expect(queue.messages).toHaveLength(1);
  });

  it("rejects more than 100 events with 413 and takes exactly 100", async () => {
    const { queue, handle } = setup();
    const events = (n: number) =>
      Array.from({ length: n }, (_, i) => genericEvent({ id: `e${i}` }));
    expectError(parse(await handle(genericRequest(JSON.stringify(events(101))))), 413, /too many/);
    expect(queue.messages).toEqual([]);

    const response = parse(await handle(genericRequest(JSON.stringify(events(100)))));
    expect(response.body.accepted).toBe(100);
    expect(queue.messages).toHaveLength(100);
  });

  it("rejects an empty array with 422", async () => {
    const { handle } = setup();
    expectError(parse(await handle(genericRequest("[]"))), 422, /no events/);
  });

  it("rejects events off the schema with 422 naming each field, index first", async () => {
    const { queue, handle } = setup();
    const events = Array.from({ length: 5 }, (_, i) => genericEvent({ id: `e${i}` }));
    events[3] = genericEvent({ id: "e3", account: {} });
    events[4] = genericEvent({ id: "e4", kind: "panic" });
    const response = parse(await handle(genericRequest(JSON.stringify(events))));

    expectError(response, 422, /schema/);
    const paths = (response.body.details as { path: string }[]).map((d) => d.path);
    expect(paths).toEqual(["[3].account.id", "[4].kind"]);
    expect(queue.messages).toEqual([]);

    const single = parse(
      await handle(genericRequest(JSON.stringify(genericEvent({ provider: 7 })))),
    );
    expectError(single, 422, /schema/);
    expect(single.body.details).toEqual([expect.objectContaining({ path: "provider" })]);
  });

  it("answers a signed StackOne batch nested 100,000 levels deep with 422 naming the limit", async () => {
    const { queue, handle } = setup();
    const depth = 100_000;
    // One event without an id (so its id is a hash of it) that holds the deep value.
    const body = `[{"account_id":"a","provider":"hibob","x":${"[".repeat(depth)}${"]".repeat(depth)}}]`;
    const response = parse(await handle(stackoneRequest(body)));
    expectError(response, 422, /deeper than 64 levels/);
    expect(queue.messages).toEqual([]);
    // Up to the limit is fine.
    const ok = `[{"account_id":"a","provider":"hibob","x":${"[".repeat(62)}${"]".repeat(62)}}]`;
    expect(parse(await handle(stackoneRequest(ok))).status).toBe(202);
  });

  it("answers an event too deep to hash with 422, whichever way it arrives", () => {
    let deep: unknown = [];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const payload = { account_id: "a", provider: "hibob", x: deep };
    expect(() => normalizeStackone(payload, () => JSON.stringify(payload))).toThrow(
      EventValidationError,
    );
  });

  it("answers an unknown source with 404", async () => {
    const { handle } = setup();
    const response = parse(await handle(apiEvent("merge", "{}")));
    expectError(response, 404, "unknown source");
  });

  it("reads the source from the path when there are no path parameters", async () => {
    const { handle } = setup();
    const body = JSON.stringify(stackonePayload);
    const request = apiEvent(
      "stackone",
      body,
      { "x-stackone-signature": signStackone(STACKONE_SECRET, body) },
      { pathParameters: false },
    );
    expect(parse(await handle(request)).status).toBe(202);
  });
});

describe("the queue", () => {
  it("answers 503 when the queue fails, and 202 with the same ids on the retry", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const { queue, handle } = setup();
    queue.failures = 1;
    const body = JSON.stringify(stackonePayload);

    const failed = parse(await handle(stackoneRequest(body)));
    expect(failed.status).toBe(503);
    expect(failed.body.error).toBe("queue unavailable, retry");
    expect(queue.messages).toEqual([]);

    const retried = parse(await handle(stackoneRequest(body)));
    expect(retried.status).toBe(202);
    expect(queue.events().map((e) => e.id)).toEqual(retried.body.ids);
  });

  it("delivers accepted events to a consumer through the in-memory queue", async () => {
    const consumed: IntegrationEvent[] = [];
    const queue = new MemoryQueue(
      async (event) => {
        for (const record of event.Records) consumed.push(JSON.parse(record.body));
      },
      { windowMs: 0 },
    );
    const handle = createHandler({
      queue,
      stackoneSecrets: [STACKONE_SECRET],
      genericSecret: GENERIC_SECRET,
      clock: fixedClock(NOW),
    });
    const events = [genericEvent({ id: "x" }), genericEvent({ id: "y" })];
    const response = parse(await handle(genericRequest(JSON.stringify(events))));
    await queue.drain();
    expect(response.body.ids).toEqual(["x", "y"]);
    expect(consumed.map((e) => e.id)).toEqual(["x", "y"]);
  });
});

describe("the Lambda entry point", () => {
  it("answers 500 while unconfigured, then sends to SQS once configured", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const sqs = mockClient(SQSClient);
    sqs.on(SendMessageBatchCommand).callsFake((input) => ({
      Successful: input.Entries.map((e: { Id: string }) => ({
        Id: e.Id,
        MessageId: "m",
        MD5OfMessageBody: "x",
      })),
      Failed: [],
    }));
    try {
      // The real clock: a time of now.
      const body = JSON.stringify({ ...stackonePayload, event_date: new Date().toISOString() });
      const unconfigured = (await handler(
        stackoneRequest(body),
      )) as APIGatewayProxyStructuredResultV2;
      expect(unconfigured.statusCode).toBe(500);
      expect(JSON.parse(String(unconfigured.body))).toEqual({
        error: "internal error",
        details: [],
      });

      vi.stubEnv("QUEUE_URL", "https://sqs.eu-west-1.amazonaws.com/123456789012/events");
      vi.stubEnv("STACKONE_WEBHOOK_SECRET", STACKONE_SECRET);
      vi.stubEnv("AWS_REGION", "eu-west-1");
      const configured = parse(
        (await handler(stackoneRequest(body))) as APIGatewayProxyStructuredResultV2,
      );
      expect(configured.status).toBe(202);
      const sent = sqs.commandCalls(SendMessageBatchCommand);
      expect(sent).toHaveLength(1);
      expect(sent[0]?.args[0].input.QueueUrl).toBe(
        "https://sqs.eu-west-1.amazonaws.com/123456789012/events",
      );
    } finally {
      sqs.restore();
    }
  });

  it("bundles without the DynamoDB or SNS clients", async () => {
    const result = await build({
      entryPoints: ["functions/ingest.ts"],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node22",
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((path) => path.includes("@aws-sdk/client-sqs"))).toBe(true);
    expect(inputs.filter((path) => /client-(dynamodb|sns)/.test(path))).toEqual([]);
  });
});

describe("event time is evidence", () => {
  const day = 24 * 3600_000;
  const at = (ms: number) => new Date(NOW.getTime() + ms).toISOString();

  it("rejects a StackOne event older than the 7-day dedup retention with 422 naming its field", async () => {
    const { queue, handle } = setup();
    for (const date of ["1970-01-01T00:00:00Z", "2020-01-01T00:00:00Z", at(-7 * day - 60_000)]) {
      const body = JSON.stringify({ ...stackonePayload, event_date: date });
      const response = parse(await handle(stackoneRequest(body)));
      expectError(response, 422, /schema|time/);
      expect(response.body.details).toEqual([
        { path: "event_date", message: expect.stringMatching(/older than 7 days/) },
      ]);
    }
    expect(queue.messages).toEqual([]);
    const recent = JSON.stringify({ ...stackonePayload, event_date: at(-7 * day + 60_000) });
    expect(parse(await handle(stackoneRequest(recent))).status).toBe(202);
  });

  it("rejects an event more than 5 minutes in the future with 422 saying so", async () => {
    const { queue, handle } = setup();
    const ahead = JSON.stringify({ ...stackonePayload, event_date: at(6 * 60_000) });
    const response = parse(await handle(stackoneRequest(ahead)));
    expectError(response, 422, /schema|time/);
    expect(response.body.details).toEqual([
      { path: "event_date", message: expect.stringMatching(/in the future/) },
    ]);
    const generic = JSON.stringify(genericEvent({ occurred_at: at(10 * 60_000) }));
    const genericResponse = parse(await handle(genericRequest(generic)));
    expect(genericResponse.status).toBe(422);
    expect(genericResponse.body.details).toEqual([
      { path: "occurred_at", message: expect.stringMatching(/in the future/) },
    ]);
    expect(queue.messages).toEqual([]);
    const skewed = JSON.stringify({ ...stackonePayload, event_date: at(4 * 60_000) });
    expect(parse(await handle(stackoneRequest(skewed))).status).toBe(202);
  });

  it("rejects an unparseable time with 422 naming the field, never taking it for now", async () => {
    const { queue, handle } = setup();
    for (const date of ["yesterday", "2025-13-45T00:00:00Z", "", true]) {
      const body = JSON.stringify({ ...stackonePayload, event_date: date });
      const response = parse(await handle(stackoneRequest(body)));
      expect(response.status, String(date)).toBe(422);
      expect(response.body.details).toEqual([
        { path: "event_date", message: expect.stringMatching(/not a time/) },
      ]);
    }
    expect(queue.messages).toEqual([]);
  });

  it("names an old event of an array by its index", async () => {
    const { handle } = setup();
    const { event_date: _, ...undated } = stackonePayload;
    const body = JSON.stringify([
      stackonePayload,
      { ...undated, data: { ...stackonePayload.data, event_date: "2020-01-01T00:00:00Z" } },
    ]);
    const response = parse(await handle(stackoneRequest(body)));
    expect(response.status).toBe(422);
    expect(response.body.details).toEqual([
      { path: "[1].data.event_date", message: expect.stringMatching(/older than 7 days/) },
    ]);
  });

  it("takes the time of receipt for a StackOne body that carries no time at all", async () => {
    const { queue, handle } = setup();
    const { event_date: _, ...undated } = stackonePayload;
    expect(parse(await handle(stackoneRequest(JSON.stringify(undated)))).status).toBe(202);
    expect(queue.events()[0]?.occurred_at).toBe(NOW.toISOString());
  });
});

describe("account.updated without a status", () => {
  const updated = (account: string) =>
    JSON.stringify({
      event: "account.updated",
      event_date: "2025-06-01T11:58:00Z",
      account_id: account,
      provider: "lever",
      data: { id: account, provider: "lever", origin_owner_name: "Acme" },
    });
  let stackone: StackoneServer;
  beforeAll(async () => {
    stackone = await startStackoneServer();
  });
  afterAll(async () => {
    await stackone?.close();
  });

  it("reads the account's status from StackOne (GET /accounts/{id}) and acts on it", async () => {
    stackone.reset();
    stackone.account("acc_active", { status: "active" });
    stackone.account("acc_suspended", { status: "suspended" });
    stackone.account("acc_archived", { status: "archived" });
    const { queue, handle } = setup({
      accountStatus: accountStatusLookup({ baseUrl: stackone.url, apiKey: stackone.key }),
    });
    for (const account of ["acc_active", "acc_suspended", "acc_archived", "acc_unknown"]) {
      expect(parse(await handle(stackoneRequest(updated(account)))).status).toBe(202);
    }
    expect(queue.events().map((e) => [e.account.id, e.kind])).toEqual([
      ["acc_active", "recovery"],
      ["acc_suspended", "error"],
      ["acc_archived", "account_deleted"],
      ["acc_unknown", "info"],
    ]);
    expect(stackone.accountCalls().map((c) => c.path)).toEqual([
      "/accounts/acc_active",
      "/accounts/acc_suspended",
      "/accounts/acc_archived",
      "/accounts/acc_unknown",
    ]);
  });

  it("accepts it as it is when no key is configured, or StackOne does not answer", async () => {
    stackone.reset();
    const { queue, handle } = setup();
    expect(parse(await handle(stackoneRequest(updated("acc_1")))).status).toBe(202);
    const refused = setup({
      accountStatus: accountStatusLookup({ baseUrl: stackone.url, apiKey: "wrong" }),
    });
    expect(parse(await refused.handle(stackoneRequest(updated("acc_1")))).status).toBe(202);
    expect([...queue.events(), ...refused.queue.events()].map((e) => e.kind)).toEqual([
      "info",
      "info",
    ]);
  });
});

describe("provider errors from the generic source", () => {
  it("accepts raw as StackOne returns it, an object or a string, and keeps its text", async () => {
    const { queue, handle } = setup();
    const body = JSON.stringify([
      genericEvent({
        id: "evt_object",
        error: {
          message: "Forbidden",
          provider_errors: [
            { status: 403, raw: { message: "Missing permissions: People > Payroll" } },
          ],
        },
      }),
      genericEvent({
        id: "evt_string",
        error: { provider_errors: [{ status: 403, raw: "Missing permissions: People > Payroll" }] },
      }),
    ]);
    expect(parse(await handle(genericRequest(body))).status).toBe(202);
    expect(queue.events().map((e) => e.error?.provider_errors?.[0]?.raw)).toEqual([
      '{"message":"Missing permissions: People > Payroll"}',
      "Missing permissions: People > Payroll",
    ]);
  });
});
