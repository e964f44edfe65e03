import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Notice } from "../../shared/incidents/notice.ts";
import {
  type DeliveryOptions,
  sendCustomerWebhook,
  type WebhookDestination,
} from "../../shared/notify/customer-webhook.ts";
import { RetriesExhausted, RetryLater, retry } from "../../shared/retry.ts";
import { generateSecret } from "../../shared/standard-webhooks.ts";
import {
  headersOf,
  ok,
  type Receiver,
  type Reply,
  startReceiver,
} from "../support/http-receiver.ts";
import { notice as sharedNotice } from "../support/notices.ts";

let receiver: Receiver;
let base: string;
beforeAll(async () => {
  receiver = await startReceiver();
  base = receiver.base;
});
afterAll(() => receiver.close());
beforeEach(() => receiver.reset());
const received = () => receiver.received;
const replies = (...next: Reply[]) => receiver.script("/hook", ...next);

/** Lever rejected Acme Corp's key (with words from outside ASCII). */
const notice: Notice = sharedNotice(
  0,
  {
    id: "inc_01HX",
    account: { id: "acct_1", name: "Acme Corp" },
    provider: "lever",
    rule_id: "lever.credentials_rejected",
    customer: undefined,
    title: "Lever credentials rejected",
    what_happened: "Lever rejected the API key — «ключ» 🔑.",
    remediation: ["Reconnect Lever"],
    first_seen: "2024-05-01T12:00:00.000Z",
    messages: ["401"],
    provider_messages: [],
  },
  "firing",
  { id: "ntc_01HX:firing" },
);

const secret = generateSecret();
const fast = { allowLocal: true, baseDelayMs: 1, timeoutMs: 2_000 };

/**
 * One attempt (`sendCustomerWebhook`) under `retry`, as the retry stage runs it: what is worth
 * retrying is tried again, up to `attempts` (3 unless given).
 */
async function deliverCustomerWebhook(
  destination: WebhookDestination,
  n: Notice,
  {
    attempts = 3,
    baseDelayMs,
    ...options
  }: DeliveryOptions & { attempts?: number; baseDelayMs: number },
) {
  try {
    return await retry(
      async () => {
        const result = await sendCustomerWebhook(destination, n, options);
        if (result.status === "failed" && result.retryable) throw new RetryLater(result.reason);
        if (result.status === "failed") return { status: "failed", reason: result.reason };
        return result;
      },
      { attempts, baseMs: baseDelayMs },
    );
  } catch (error) {
    if (!(error instanceof RetriesExhausted)) throw error;
    return { status: "failed", reason: error.message };
  }
}

describe("deliverCustomerWebhook", () => {
  it("posts the notice as JSON, signed so the standardwebhooks package verifies it", async () => {
    const result = await deliverCustomerWebhook({ url: `${base}/hook`, secret }, notice, fast);
    expect(result).toEqual({ status: "delivered" });
    expect(received()).toHaveLength(1);
    const [request] = received();
    if (!request) throw new Error("nothing received");
    expect(request.headers["content-type"]).toBe("application/json");
    expect(request.headers["webhook-id"]).toBe(notice.id);
    expect(new Webhook(secret).verify(request.body, headersOf(request.headers))).toEqual(notice);
  });

  it("gives a customer-audience webhook the customer's words and none of our internals", async () => {
    const withError: Notice = {
      ...notice,
      incident: {
        ...notice.incident,
        customer: {
          title: "Your Lever connection needs to be reconnected",
          what_happened: "Lever no longer accepts the key this connection uses.",
          remediation: ["Reconnect Lever from the integrations page."],
        },
        last_error: {
          status: 401,
          method: "GET",
          path: "/unified/ats/candidates",
          message: "StackOne: unauthorized",
          provider_status: 401,
          provider_message: "Invalid API key",
          request_id: "req_1",
          at: "2024-05-01T12:05:00.000Z",
        },
      },
    };
    const customer = { url: `${base}/hook`, secret, audience: "customer" as const };
    expect(await deliverCustomerWebhook(customer, withError, fast)).toEqual({
      status: "delivered",
    });
    const [request] = received();
    if (!request) throw new Error("nothing received");
    expect(request.headers["webhook-id"]).toBe(notice.id);
    expect(new Webhook(secret).verify(request.body, headersOf(request.headers))).toEqual({
      id: notice.id,
      audience: "customer",
      kind: "firing",
      created_at: notice.created_at,
      incident: {
        id: "inc_01HX",
        account: { id: "acct_1", name: "Acme Corp" },
        provider: "lever",
        provider_name: "Lever",
        title: "Your Lever connection needs to be reconnected",
        what_happened: "Lever no longer accepts the key this connection uses.",
        what_to_do: ["Reconnect Lever from the integrations page."],
        provider_message: "Invalid API key",
        status: "firing",
        first_seen: "2024-05-01T12:00:00.000Z",
        last_seen: "2024-05-01T12:05:00.000Z",
      },
    });
    for (const internal of ["rule_id", "req_1", "/unified/", "StackOne", 'Reconnect Lever"']) {
      expect(request.body).not.toContain(internal);
    }

    // The same notice to an internal webhook: every detail, as before.
    receiver.reset();
    await deliverCustomerWebhook({ url: `${base}/hook`, secret }, withError, fast);
    expect(JSON.parse(received()[0]?.body ?? "")).toEqual(withError);
  });

  it("fails verification with another secret (the check above can fail)", async () => {
    await deliverCustomerWebhook({ url: `${base}/hook`, secret }, notice, fast);
    const [request] = received();
    if (!request) throw new Error("nothing received");
    expect(() =>
      new Webhook(generateSecret()).verify(request.body, headersOf(request.headers)),
    ).toThrow();
  });

  it("retries a 500 and delivers on the next attempt, with the same webhook id", async () => {
    replies((res) => res.writeHead(500).end("boom"), ok);
    const result = await deliverCustomerWebhook({ url: `${base}/hook`, secret }, notice, fast);
    expect(result).toEqual({ status: "delivered" });
    expect(received().map((r) => r.headers["webhook-id"])).toEqual([notice.id, notice.id]);
  });

  it("gives up after the attempts it was given, saying why", async () => {
    replies(...[0, 1, 2].map(() => (res: ServerResponse) => res.writeHead(503).end()));
    const result = await deliverCustomerWebhook({ url: `${base}/hook`, secret }, notice, {
      ...fast,
      attempts: 3,
    });
    expect(result).toEqual({ status: "failed", reason: "HTTP 503 (after 3 attempts)" });
    expect(received()).toHaveLength(3);
  });

  it("reports 410 as gone, without retrying", async () => {
    replies((res) => res.writeHead(410).end());
    const result = await deliverCustomerWebhook({ url: `${base}/hook`, secret }, notice, fast);
    expect(result).toEqual({ status: "gone" });
    expect(received()).toHaveLength(1);
  });

  it("fails a 4xx without retrying", async () => {
    replies((res) => res.writeHead(400).end("bad"));
    const result = await deliverCustomerWebhook({ url: `${base}/hook`, secret }, notice, fast);
    expect(result).toEqual({ status: "failed", reason: "HTTP 400" });
    expect(received()).toHaveLength(1);
  });

  it("does not follow a redirect", async () => {
    replies((res) => res.writeHead(302, { location: `${base}/elsewhere` }).end());
    const result = await deliverCustomerWebhook({ url: `${base}/hook`, secret }, notice, fast);
    expect(result).toMatchObject({ status: "failed" });
    expect(received().map((r) => r.path)).toEqual(["/hook"]);
  });

  it("retries a receiver that does not answer in time", async () => {
    replies(() => undefined, ok);
    const result = await deliverCustomerWebhook({ url: `${base}/hook`, secret }, notice, {
      ...fast,
      timeoutMs: 200,
    });
    expect(result).toEqual({ status: "delivered" });
    expect(received()).toHaveLength(2);
  });

  it("fails when nothing listens", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const result = await deliverCustomerWebhook(
      { url: `http://127.0.0.1:${port}/hook`, secret },
      notice,
      {
        ...fast,
        attempts: 2,
      },
    );
    expect(result).toMatchObject({ status: "failed" });
    expect((result as { reason: string }).reason).toMatch(/^network error.*after 2 attempts/);
  });

  it("refuses a local URL unless allowLocal, and private addresses always, sending nothing", async () => {
    const local = await deliverCustomerWebhook({ url: `${base}/hook`, secret }, notice, {
      ...fast,
      allowLocal: false,
    });
    expect(local).toMatchObject({ status: "failed" });
    const rebound = await deliverCustomerWebhook(
      { url: "https://rebind.example.com/hook", secret },
      notice,
      { ...fast, lookup: async () => ["169.254.169.254"] },
    );
    expect(rebound).toEqual({
      status: "failed",
      reason: expect.stringContaining("private_address"),
    });
    expect(received()).toHaveLength(0);
  });

  it("never puts the URL's path or query in a failure reason", async () => {
    receiver.script("/hook/s3cr3t-path?token=s3cr3t-query", (res) => res.writeHead(400).end());
    const result = await deliverCustomerWebhook(
      { url: `${base}/hook/s3cr3t-path?token=s3cr3t-query`, secret },
      notice,
      fast,
    );
    expect(JSON.stringify(result)).not.toContain("s3cr3t");
  });
});
