import {
  GetSubscriptionAttributesCommand,
  InvalidParameterException,
  NotFoundException,
  SetSubscriptionAttributesCommand,
  SNSClient,
  SubscribeCommand,
  UnsubscribeCommand,
} from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import fc from "fast-check";
import { beforeEach, describe, expect, it } from "vitest";
import { SnsEmailSubscriptions } from "../../shared/adapters/aws/sns-subscriptions.ts";
import { type ApiAnswer, adminApi, apiDeps } from "../support/api.ts";
import { MemorySubscriptionStore } from "../support/memory-ports.ts";

const TOKEN = "admin-token";
const TOPIC = "arn:aws:sns:eu-west-1:123456789012:alerts";
const EMAIL_ARN = `${TOPIC}:7d1f1c2a-0000-4000-8000-000000000001`;
const SLACK_URL = "https://hooks.slack.com/services/T000/B000/XXXXSECRETXXXX";
const WEBHOOK_URL = "https://hooks.example.com/quirkwatch/SECRETPATH";

const sns = mockClient(SNSClient);
let subscriptions: MemorySubscriptionStore;
let api: ReturnType<typeof adminApi>;
let clock: number;

beforeEach(() => {
  sns.reset();
  sns.on(SubscribeCommand).resolves({ SubscriptionArn: EMAIL_ARN });
  sns
    .on(GetSubscriptionAttributesCommand)
    .resolves({ Attributes: { PendingConfirmation: "true" } });
  sns.on(UnsubscribeCommand).resolves({});
  subscriptions = new MemorySubscriptionStore();
  clock = Date.parse("2025-06-01T12:00:00Z");
  api = adminApi(
    apiDeps({
      adminToken: TOKEN,
      subscriptions: {
        subscriptions,
        email: new SnsEmailSubscriptions(
          new SNSClient({
            region: "eu-west-1",
            credentials: { accessKeyId: "x", secretAccessKey: "x" },
          }),
          TOPIC,
        ),
        allowLocalUrls: false,
        // Public addresses for every host, so no test depends on real DNS.
        lookup: async () => ["93.184.216.34"],
      },
      // Each call a second later, so "newest first" is well defined.
      clock: {
        now: () => {
          clock += 1_000;
          return new Date(clock);
        },
      },
    }),
  );
});

type Call = {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  path: string;
  body?: string;
  token?: string | null;
};

function call({ method, path, body, token = TOKEN }: Call): Promise<ApiAnswer> {
  const id = /^\/subscriptions\/(.+)$/.exec(path)?.[1];
  return api(id === undefined ? `${method} /subscriptions` : `${method} /subscriptions/{id}`, {
    token,
    ...(id === undefined ? {} : { params: { id } }),
    body,
  });
}

const create = (body: unknown) =>
  call({ method: "POST", path: "/subscriptions", body: JSON.stringify(body) });
const list = () => call({ method: "GET", path: "/subscriptions" });

describe("authentication", () => {
  it.each([
    { method: "POST", path: "/subscriptions", body: "{}" },
    { method: "GET", path: "/subscriptions" },
    { method: "DELETE", path: "/subscriptions/sub_x" },
  ] as const)("$method $path needs the admin token", async (request) => {
    for (const token of [null, "wrong"]) {
      const response = await call({ ...request, token });
      expect(response.status).toBe(401);
      expect(response.body.details[0].path).toBe("authorization");
    }
  });
});

describe("POST /subscriptions validation", () => {
  it("answers 400 to malformed JSON and to no body", async () => {
    const malformed = await call({ method: "POST", path: "/subscriptions", body: "{kind:" });
    expect(malformed).toMatchObject({ status: 400, body: { error: "malformed JSON" } });
    expect((await call({ method: "POST", path: "/subscriptions" })).status).toBe(400);
  });

  it.each([
    [{ target: SLACK_URL }, "kind"],
    [{ kind: "pager", target: SLACK_URL }, "kind"],
    [{ kind: "slack" }, "target"],
    [{ kind: "slack", target: "" }, "target"],
    [{ kind: "slack", target: SLACK_URL, filter: { min_severity: "loud" } }, "filter.min_severity"],
    [{ kind: "slack", target: SLACK_URL, filter: { categories: ["nope"] } }, "filter.categories.0"],
    [{ kind: "slack", target: SLACK_URL, filter: { account_ids: [] } }, "filter.account_ids"],
    [{ kind: "slack", target: SLACK_URL, filter: { colour: "red" } }, "filter"],
    [{ kind: "slack", target: SLACK_URL, secret: "mine" }, ""],
  ])("answers 422 naming the field for %j", async (body, path) => {
    const response = await create(body);
    expect(response.status).toBe(422);
    expect(response.body.details.map((d: { path: string }) => d.path)).toContain(path);
  });

  it.each([
    ["slack", "https://example.com/services/x", "not_slack_webhook"],
    ["slack", "http://hooks.slack.com/services/x", "insecure_scheme"],
    ["webhook", "http://hooks.example.com/x", "insecure_scheme"],
    ["webhook", "https://10.0.0.7/hook", "private_address"],
    ["webhook", "https://169.254.169.254/latest/meta-data", "private_address"],
    ["webhook", "http://127.0.0.1:9999/hook", "insecure_scheme"],
    ["webhook", "ftp://example.com/x", "unsupported_scheme"],
    ["webhook", "https://user:pw@example.com/x", "userinfo"],
    ["webhook", "not a url", "invalid_url"],
    ["email", "not-an-address", "email"],
  ])("answers 422 on target for a %s destination %s (%s)", async (kind, target, reason) => {
    const response = await create({ kind, target });
    expect(response.status).toBe(422);
    expect(response.body.details).toEqual([
      { path: "target", message: expect.stringContaining(reason) },
    ]);
    expect(await subscriptions.list()).toEqual([]);
  });

  it("never answers 5xx, whatever JSON is posted", async () => {
    const kinds = fc.constantFrom("slack", "webhook", "email", "other");
    const target = fc.oneof(
      fc.string(),
      fc.webUrl(),
      fc.emailAddress(),
      fc.constant(SLACK_URL),
      fc.constant(WEBHOOK_URL),
    );
    const filter = fc.oneof(
      fc.anything(),
      fc.record(
        {
          providers: fc.array(fc.string(), { maxLength: 3 }),
          account_ids: fc.array(fc.string(), { maxLength: 3 }),
          min_severity: fc.string(),
        },
        { requiredKeys: [] },
      ),
    );
    const body = fc.oneof(
      fc.anything(),
      fc.record({ kind: kinds, target, filter }, { requiredKeys: [] }),
    );
    await fc.assert(
      fc.asyncProperty(body, async (value) => {
        const response = await call({
          method: "POST",
          path: "/subscriptions",
          body: JSON.stringify(value) ?? "null",
        });
        expect([201, 400, 409, 422]).toContain(response.status);
        expect(typeof response.body.error === "string" || response.status === 201).toBe(true);
      }),
      { numRuns: 60 },
    );
  });
});

describe("Slack and webhook subscriptions", () => {
  it("creates a Slack subscription, shown with its URL redacted", async () => {
    const filter = { providers: ["HiBob"], min_severity: "error" };
    const response = await create({ kind: "slack", target: SLACK_URL, filter });
    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      id: expect.stringMatching(/^sub_[\w-]+$/),
      kind: "slack",
      target: "https://hooks.slack.com/services/…",
      filter: { providers: ["hibob"], min_severity: "error" },
      created_at: "2025-06-01T12:00:01.000Z",
      status: "active",
      testable: true,
    });
    expect(JSON.stringify(response.body)).not.toContain("SECRET");
    // The full URL is stored, for delivery.
    expect((await subscriptions.get(response.body.id))?.target).toBe(SLACK_URL);
  });

  it("shows a webhook's signing secret once, in the 201, and never again", async () => {
    const created = await create({ kind: "webhook", target: WEBHOOK_URL });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(created.body.target).toBe("https://hooks.example.com/quirkwatch/…");
    expect((await subscriptions.get(created.body.id))?.secret).toBe(created.body.secret);

    const listed = await list();
    expect(listed.body.subscriptions).toHaveLength(1);
    expect(listed.body.subscriptions[0]).not.toHaveProperty("secret");
    expect(JSON.stringify(listed.body)).not.toContain(created.body.secret);
    expect(JSON.stringify(listed.body)).not.toContain("SECRETPATH");
  });

  it("gives each webhook its own secret", async () => {
    const a = await create({ kind: "webhook", target: WEBHOOK_URL });
    const b = await create({ kind: "webhook", target: WEBHOOK_URL });
    expect(a.body.secret).not.toBe(b.body.secret);
  });

  it("lists every kind, newest first, and reports a broken destination", async () => {
    const slack = await create({ kind: "slack", target: SLACK_URL });
    const webhook = await create({ kind: "webhook", target: WEBHOOK_URL });
    const email = await create({ kind: "email", target: "ops@example.com" });
    await subscriptions.markBroken(slack.body.id, "HTTP 404 no_service", "2025-06-01T13:00:00Z");

    const listed = await list();
    expect(listed.status).toBe(200);
    expect(listed.body.subscriptions.map((s: { id: string }) => s.id)).toEqual([
      email.body.id,
      webhook.body.id,
      slack.body.id,
    ]);
    expect(listed.body.subscriptions[2]).toMatchObject({
      status: "broken",
      broken_reason: "HTTP 404 no_service",
      broken_at: "2025-06-01T13:00:00Z",
    });
    expect(listed.body.subscriptions[1].status).toBe("active");
  });

  it("deletes one; deleting it again, or an unknown id, is a 404", async () => {
    const created = await create({ kind: "slack", target: SLACK_URL });
    const deleted = await call({ method: "DELETE", path: `/subscriptions/${created.body.id}` });
    expect(deleted).toEqual({ status: 200, body: { id: created.body.id, deleted: true } });
    expect((await list()).body.subscriptions).toEqual([]);

    for (const id of [created.body.id, "sub_unknown", "../etc"]) {
      const again = await call({ method: "DELETE", path: `/subscriptions/${id}` });
      expect(again.status).toBe(404);
      expect(again.body.details).toEqual([{ path: "id", message: id }]);
    }
    expect(sns.commandCalls(UnsubscribeCommand)).toHaveLength(0);
  });
});

describe("email subscriptions", () => {
  it("subscribes the address on the alerts topic with the filter as a filter policy", async () => {
    const filter = { account_ids: ["acct_1"], min_severity: "error", audience: "customer" };
    const response = await create({ kind: "email", target: "hr@customer.example", filter });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      kind: "email",
      target: "hr@customer.example",
      status: "pending_confirmation",
    });
    expect(response.body).not.toHaveProperty("secret");

    const [subscribe] = sns.commandCalls(SubscribeCommand);
    expect(subscribe?.args[0].input).toEqual({
      TopicArn: TOPIC,
      Protocol: "email",
      Endpoint: "hr@customer.example",
      Attributes: {
        FilterPolicy: JSON.stringify({
          account_id: ["acct_1"],
          severity: ["error", "critical"],
          audience: ["customer"],
        }),
      },
      ReturnSubscriptionArn: true,
    });
    expect((await subscriptions.get(response.body.id))?.sns_subscription_arn).toBe(EMAIL_ARN);
  });

  it("reports the confirmation state SNS gives", async () => {
    const created = await create({ kind: "email", target: "ops@example.com" });
    expect((await list()).body.subscriptions[0].status).toBe("pending_confirmation");

    sns
      .on(GetSubscriptionAttributesCommand)
      .resolves({ Attributes: { PendingConfirmation: "false" } });
    expect((await list()).body.subscriptions[0].status).toBe("confirmed");
    expect(
      sns.commandCalls(GetSubscriptionAttributesCommand).at(-1)?.args[0].input.SubscriptionArn,
    ).toBe(EMAIL_ARN);

    sns
      .on(GetSubscriptionAttributesCommand)
      .rejects(new NotFoundException({ message: "Subscription does not exist", $metadata: {} }));
    expect((await list()).body.subscriptions[0]).toMatchObject({
      id: created.body.id,
      status: "unsubscribed",
    });

    sns.on(GetSubscriptionAttributesCommand).rejects(new Error("throttled"));
    expect((await list()).body.subscriptions[0].status).toBe("unknown");
  });

  it("reports a `pending confirmation` ARN as pending without asking SNS", async () => {
    sns.on(SubscribeCommand).resolves({ SubscriptionArn: "pending confirmation" });
    await create({ kind: "email", target: "ops@example.com" });
    sns.resetHistory();
    expect((await list()).body.subscriptions[0].status).toBe("pending_confirmation");
    expect(sns.commandCalls(GetSubscriptionAttributesCommand)).toHaveLength(0);
  });

  it("answers 409 for an address that already has an email subscription", async () => {
    await create({ kind: "email", target: "ops@example.com" });
    const again = await create({ kind: "email", target: "OPS@example.com", filter: {} });
    expect(again.status).toBe(409);
    expect(again.body.details[0].path).toBe("target");
    expect(sns.commandCalls(SubscribeCommand)).toHaveLength(1);
  });

  it("answers 422 on target when SNS rejects the address", async () => {
    sns.on(SubscribeCommand).rejects(
      new InvalidParameterException({
        message: "Invalid parameter: Email address",
        $metadata: {},
      }),
    );
    const response = await create({ kind: "email", target: "ops@example.com" });
    expect(response).toMatchObject({
      status: 422,
      body: { details: [{ path: "target", message: "Invalid parameter: Email address" }] },
    });
    expect(await subscriptions.list()).toEqual([]);
  });

  it("answers 422 on filter when it is too large for an SNS filter policy", async () => {
    const ids = Array.from({ length: 200 }, (_, i) => `acct_${i}`);
    const response = await create({
      kind: "email",
      target: "ops@example.com",
      filter: { account_ids: ids },
    });
    expect(response.status).toBe(422);
    expect(response.body.details[0]).toEqual({
      path: "filter",
      message: expect.stringContaining("at most 150"),
    });
    expect(sns.commandCalls(SubscribeCommand)).toHaveLength(0);
  });

  it("unsubscribes a confirmed subscription from SNS when deleted", async () => {
    const created = await create({ kind: "email", target: "ops@example.com" });
    sns
      .on(GetSubscriptionAttributesCommand)
      .resolves({ Attributes: { PendingConfirmation: "false" } });
    const deleted = await call({ method: "DELETE", path: `/subscriptions/${created.body.id}` });
    expect(deleted.status).toBe(200);
    expect(sns.commandCalls(UnsubscribeCommand).map((c) => c.args[0].input)).toEqual([
      { SubscriptionArn: EMAIL_ARN },
    ]);
    expect(await subscriptions.get(created.body.id)).toBeUndefined();
  });

  it("deletes a pending one without Unsubscribe (SNS cannot), saying so", async () => {
    const created = await create({ kind: "email", target: "ops@example.com" });
    const deleted = await call({ method: "DELETE", path: `/subscriptions/${created.body.id}` });
    expect(deleted.status).toBe(200);
    expect(deleted.body.note).toMatch(/confirmation link expires/);
    expect(sns.commandCalls(UnsubscribeCommand)).toHaveLength(0);
    expect(await subscriptions.get(created.body.id)).toBeUndefined();
  });
});

describe("PATCH /subscriptions/{id}", () => {
  const patch = (id: string, body: unknown) =>
    call({ method: "PATCH", path: `/subscriptions/${id}`, body: JSON.stringify(body) });

  it("changes a webhook's filter and keeps its signing secret", async () => {
    const created = await create({ kind: "webhook", target: WEBHOOK_URL });
    const changed = await patch(created.body.id, {
      filter: { min_severity: "error", providers: ["Lever"] },
    });
    expect(changed.status).toBe(200);
    expect(changed.body.filter).toEqual({ min_severity: "error", providers: ["lever"] });
    expect(changed.body.secret).toBeUndefined();
    const stored = await subscriptions.get(created.body.id);
    expect(stored?.secret).toBe(created.body.secret);
    expect(stored?.filter).toEqual({ min_severity: "error", providers: ["lever"] });
  });

  it("changes an email subscription's SNS filter policy first", async () => {
    sns.on(SetSubscriptionAttributesCommand).resolves({});
    const created = await create({ kind: "email", target: "oncall@example.com" });
    const changed = await patch(created.body.id, { filter: { account_ids: ["acme"] } });
    expect(changed.status).toBe(200);
    expect(sns.commandCalls(SetSubscriptionAttributesCommand)[0]?.args[0].input).toEqual({
      SubscriptionArn: EMAIL_ARN,
      AttributeName: "FilterPolicy",
      AttributeValue: JSON.stringify({ account_id: ["acme"], audience: ["internal"] }),
    });
  });

  it("leaves everything as it was when SNS refuses the new filter", async () => {
    sns
      .on(SetSubscriptionAttributesCommand)
      .rejects(
        new InvalidParameterException({ message: "Invalid parameter: pending", $metadata: {} }),
      );
    const created = await create({ kind: "email", target: "oncall@example.com" });
    const refused = await patch(created.body.id, { filter: { min_severity: "critical" } });
    expect(refused.status).toBe(409);
    expect(refused.body.details[0]).toMatchObject({ path: "filter" });
    expect((await subscriptions.get(created.body.id))?.filter).toEqual({});
  });

  it("answers 422 naming the field, and 404 for an unknown subscription", async () => {
    const created = await create({ kind: "slack", target: SLACK_URL });
    for (const [body, path] of [
      [{}, "filter"],
      [{ filter: { min_severity: "loud" } }, "filter.min_severity"],
      [{ filter: {}, target: SLACK_URL }, ""],
    ] as const) {
      const answer = await patch(created.body.id, body);
      expect(answer.status, JSON.stringify(body)).toBe(422);
      expect(answer.body.details.map((d: { path: string }) => d.path)).toContain(path);
    }
    expect((await patch("sub_missing", { filter: {} })).status).toBe(404);
  });
});
