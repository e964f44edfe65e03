import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createHandler } from "../../functions/notify-webhook.ts";
import type { Notice } from "../../shared/incidents/notice.ts";
import { createLogger, jsonSink } from "../../shared/log.ts";
import { sendCustomerWebhook } from "../../shared/notify/customer-webhook.ts";
import type { EmailSubscriptions } from "../../shared/notify/email-subscriptions.ts";
import { DELIVERY_RETRY, DeliveryFailed } from "../../shared/notify/retry-stage.ts";
import { generateSecret } from "../../shared/standard-webhooks.ts";
import { adminApi, apiDeps } from "../support/api.ts";
import { headersOf, type Receiver, startReceiver, status } from "../support/http-receiver.ts";
import { MemorySubscriptionStore } from "../support/memory-ports.ts";
import { notice, snsEvent } from "../support/notices.ts";

let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.close();
});

let subscriptions: MemorySubscriptionStore;
let logs: string[];
let handle: ReturnType<typeof createHandler>;

const noEmail: EmailSubscriptions = {
  subscribe: async () => "unused",
  confirmation: async () => "confirmed",
  setFilter: async () => undefined,
  unsubscribe: async () => undefined,
};

beforeEach(() => {
  receiver.reset();
  subscriptions = new MemorySubscriptionStore();
  logs = [];
  handle = createHandler({
    subscriptions,
    delivery: { allowLocal: true, timeoutMs: 2_000 },
    retry: { policy: { attempts: 3, baseMs: 1 } },
    log: createLogger(jsonSink((line) => logs.push(line))),
  });
});

/** Adds a webhook subscription through the admin API, as a user would; returns id and secret. */
async function subscribe(path: string, filter: Record<string, unknown> = {}) {
  const api = adminApi(
    apiDeps({
      adminToken: "token",
      subscriptions: { subscriptions, email: noEmail, allowLocalUrls: true },
    }),
  );
  const response = await api("POST /subscriptions", {
    body: { kind: "webhook", target: `${receiver.base}${path}`, filter },
  });
  expect(response.status).toBe(201);
  return response.body as { id: string; secret: string };
}

describe("customer webhook notifier", () => {
  it("delivers each notice to the matching webhooks, signed with each one's secret", async () => {
    const hibob = await subscribe("/hooks/hibob", { providers: ["hibob"] });
    const all = await subscribe("/hooks/all");
    await subscribe("/hooks/lever", { providers: ["lever"] });
    const n = notice(1, {
      last_error: {
        status: 403,
        message: "Forbidden",
        provider_message: "Missing permissions: People > Payroll",
        at: "2024-05-01T12:05:00.000Z",
      },
      provider_messages: ["Missing permissions: People > Payroll"],
    });
    await handle(snsEvent(n));

    expect(receiver.received.map((r) => r.path).sort()).toEqual(["/hooks/all", "/hooks/hibob"]);
    // The provider's own words and the customer's wording travel with the notice.
    expect(receiver.bodies("/hooks/all")[0].incident).toMatchObject({
      last_error: { provider_message: "Missing permissions: People > Payroll" },
      provider_messages: ["Missing permissions: People > Payroll"],
      customer: { title: "Your Hibob connection needs to be reconnected" },
    });
    for (const [path, secret] of [
      ["/hooks/hibob", hibob.secret],
      ["/hooks/all", all.secret],
    ] as const) {
      const request = receiver.received.find((r) => r.path === path);
      if (!request) throw new Error(`nothing on ${path}`);
      const verified = new Webhook(secret).verify(request.body, headersOf(request.headers));
      expect(verified).toEqual(JSON.parse(JSON.stringify(n)));
      expect(request.headers["webhook-id"]).toBe(n.id);
    }
    // Each webhook's own secret: the other one's does not verify.
    const request = receiver.received.find((r) => r.path === "/hooks/hibob");
    expect(() =>
      new Webhook(all.secret).verify(request?.body ?? "", headersOf(request?.headers ?? {})),
    ).toThrow();
  });

  it("disables a webhook that answers 410, sends it nothing more, and does not fail", async () => {
    const gone = await subscribe("/hooks/gone");
    receiver.script("/hooks/gone", status(410));
    await expect(handle(snsEvent(notice(1)))).resolves.toBeUndefined();
    expect((await subscriptions.get(gone.id))?.broken_reason).toBe("HTTP 410 gone");

    await handle(snsEvent(notice(2)));
    expect(receiver.received).toHaveLength(1);
  });

  it("throws after its retries when a webhook keeps failing, so SNS retries", async () => {
    await subscribe("/hooks/down");
    receiver.script("/hooks/down", status(503), status(503), status(503));
    await expect(handle(snsEvent(notice(1)))).rejects.toThrow(DeliveryFailed);
    expect(receiver.received).toHaveLength(3);
    expect(logs.join("\n")).not.toContain("/hooks/down");
  });

  it.each([
    ["one machine", DELIVERY_RETRY.singleNode, 12],
    ["deployed, per run", DELIVERY_RETRY.deployed, 4],
  ])(
    "tries one notice on one failing destination at most the stated number of times (%s)",
    async (_engine, policy, stated) => {
      await subscribe("/hooks/down");
      receiver.script("/hooks/down", ...Array.from({ length: 50 }, () => status(503)));
      const waits: number[] = [];
      const once = createHandler({
        subscriptions,
        delivery: { allowLocal: true, timeoutMs: 2_000 },
        retry: { policy, sleep: async (ms) => void waits.push(ms) },
        log: createLogger(jsonSink((line) => logs.push(line))),
      });
      await expect(once(snsEvent(notice(1)))).rejects.toThrow(DeliveryFailed);
      expect(receiver.received).toHaveLength(stated);
      expect(waits).toHaveLength(stated - 1);
    },
  );

  it("on a retried notice, sends only to the webhooks that did not get it", async () => {
    await subscribe("/hooks/fine");
    await subscribe("/hooks/flaky");
    receiver.script("/hooks/flaky", status(500), status(500), status(500));
    const event = snsEvent(notice(1));
    await expect(handle(event)).rejects.toThrow(DeliveryFailed);
    await handle(event);
    expect(receiver.received.filter((r) => r.path === "/hooks/fine")).toHaveLength(1);
    expect(receiver.received.filter((r) => r.path === "/hooks/flaky")).toHaveLength(4);
  });
});

describe("sendCustomerWebhook and DNS rebinding", () => {
  const secret = generateSecret();
  const n: Notice = notice(1);

  it("refuses a host that resolves to a public address when checked, then a private one", async () => {
    let calls = 0;
    // Validation sees a public address; the connection would see loopback.
    const rebinding = async () => (calls++ === 0 ? ["93.184.216.34"] : ["127.0.0.1"]);
    const result = await sendCustomerWebhook(
      { url: `https://rebind.example.com:${receiver.port}/hook`, secret },
      n,
      { allowLocal: false, lookup: rebinding },
    );
    expect(result).toEqual({
      status: "failed",
      reason: expect.stringContaining("private_address"),
      retryable: false,
    });
    expect(calls).toBe(2);
    expect(receiver.connections()).toBe(0);
  });

  it("even in the local stack, lets only localhost itself resolve to loopback", async () => {
    const toLoopback = async () => ["127.0.0.1"];
    const other = await sendCustomerWebhook(
      { url: `https://evil.example.com:${receiver.port}/hook`, secret },
      n,
      { allowLocal: true, lookup: toLoopback },
    );
    expect(other).toMatchObject({ status: "failed" });

    const local = await sendCustomerWebhook(
      { url: `http://localhost:${receiver.port}/hook`, secret },
      n,
      { allowLocal: true, lookup: toLoopback },
    );
    expect(local).toEqual({ status: "delivered" });
    expect(receiver.received.map((r) => r.path)).toEqual(["/hook"]);
  });
});
