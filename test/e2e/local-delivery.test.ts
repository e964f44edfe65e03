import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENGINES, type Stack } from "../../server/stack.ts";
import type { Notice } from "../../shared/incidents/notice.ts";
import { hibobRevoked } from "../support/factories.ts";
import { headersOf, type Receiver, startReceiver } from "../support/http-receiver.ts";
import { sendStackone, startTestStack } from "../support/in-process-stack.ts";
import { callApi } from "../support/local-stack.ts";
import { ManualClock } from "../support/manual-clock.ts";

/**
 * The local stack delivers for real: StackOne webhooks in, Slack messages, signed customer
 * webhooks and outbox emails out, through the same code as the Lambdas.
 */

const TOKEN = "local-admin";
const DEFAULT_SLACK = "/services/T0/B0/DEFAULT";
const HIBOB_SLACK = "/services/T1/B1/HIBOB";
const LEVER_SLACK = "/services/T2/B2/LEVER";
const HOUR_MS = 3600_000;

let slack: Receiver;
let hooks: Receiver;
for (const engine of ENGINES)
  describe(`delivery in the local stack (${engine})`, () => {
    let stack: Stack;
    const clock = new ManualClock(Date.now());
    const lines: string[] = [];

    const api = (method: string, path: string, body?: unknown, token?: string | null) =>
      callApi(stack, method, path, body, token);
    const settle = () => stack.settle();

    let failures = 0;
    /** A signed StackOne webhook, then everything it causes: processing and every delivery. */
    const unauthorized = (id: string) => sendStackone(stack, hibobRevoked(id, clock.now()));

    beforeAll(async () => {
      [slack, hooks] = await Promise.all([startReceiver(), startReceiver()]);
      stack = await startTestStack({
        engine,
        adminToken: TOKEN,
        // The receivers here are on 127.0.0.1.
        allowLocalUrls: true,
        slackWebhookUrl: `${slack.base}${DEFAULT_SLACK}`,
        reauthUrlTemplate: "https://app.example.com/reconnect/{account_id}",
        log: (line) => lines.push(line),
        clock,
      });
    });

    afterAll(async () => {
      await stack?.close();
      await Promise.all([slack?.close(), hooks?.close()]);
    });

    let webhookSecret = "";

    it("takes Slack, webhook and email subscriptions, with local URLs allowed", async () => {
      const created = await Promise.all([
        api("POST", "/subscriptions", {
          kind: "slack",
          target: `${slack.base}${HIBOB_SLACK}`,
          filter: { providers: ["hibob"] },
        }),
        api("POST", "/subscriptions", {
          kind: "slack",
          target: `${slack.base}${LEVER_SLACK}`,
          filter: { providers: ["lever"] },
        }),
        api("POST", "/subscriptions", { kind: "webhook", target: `${hooks.base}/quirkwatch` }),
        api("POST", "/subscriptions", {
          kind: "email",
          target: "hr@customer.example",
          filter: { audience: "customer" },
        }),
        api("POST", "/subscriptions", {
          kind: "email",
          target: "lever-team@example.com",
          filter: { providers: ["lever"] },
        }),
        api("POST", "/subscriptions", { kind: "email", target: "oncall@example.com" }),
      ]);
      expect(created.map((c) => c.status)).toEqual([201, 201, 201, 201, 201, 201]);
      webhookSecret = created[2]?.body.secret;
      expect(webhookSecret).toMatch(/^whsec_/);
      // Locally nobody clicks a confirmation link.
      expect(created[3]?.body.status).toBe("confirmed");
    });

    it("turns one signed StackOne webhook into exactly one Slack message per matching channel", async () => {
      await unauthorized(`evt_${++failures}`);

      const [message, ...more] = slack.bodies(DEFAULT_SLACK);
      expect(more).toEqual([]);
      expect(message.text).toContain("acc_9");
      expect(message.blocks[0].text.text).toMatch(/^🔴 reauth_required/);
      expect(JSON.stringify(message)).toContain("https://app.example.com/reconnect/acc_9");
      expect(slack.bodies(HIBOB_SLACK)).toEqual([message]);
      expect(slack.bodies(LEVER_SLACK)).toEqual([]);
      // The console still shows it.
      expect(lines.some((l) => l.startsWith("🔴 FIRING"))).toBe(true);
    });

    it("sends the customer webhook, signed with the secret the API showed", async () => {
      const [request, ...more] = hooks.received;
      expect(more).toEqual([]);
      if (!request) throw new Error("no webhook");
      const notice = new Webhook(webhookSecret).verify(
        request.body,
        headersOf(request.headers),
      ) as Notice;
      expect(notice).toMatchObject({ kind: "firing", incident: { account: { id: "acc_9" } } });
    });

    it("emails the customer in their words and on-call in ours, for the same incident", async () => {
      expect((await api("GET", "/outbox", undefined, null)).status).toBe(401);
      const outbox = await api("GET", "/outbox");
      expect(outbox.status).toBe(200);
      const byAddress = Object.fromEntries(
        outbox.body.emails.map((e: { to: string }) => [e.to, e]),
      );
      expect(Object.keys(byAddress).sort()).toEqual(["hr@customer.example", "oncall@example.com"]);
      const customer = byAddress["hr@customer.example"];
      const internal = byAddress["oncall@example.com"];
      expect(customer.notice_id).toBe(internal.notice_id);

      expect(customer.subject).toBe(
        "Hibob · Acme GmbH: Your Hibob connection needs new service user credentials",
      );
      expect(customer.body).toContain('Hibob said: "Service user token was revoked"');
      expect(customer.body).toContain("reconnect Hibob from the integrations page");
      for (const internalWord of [
        "hibob.401",
        "req_evt_1",
        "acc_9",
        "connect_sessions",
        "StackOne",
        "customer",
      ]) {
        expect(customer.body).not.toContain(internalWord);
      }

      expect(internal.subject).toBe(
        "[critical] reauth_required: Hibob rejected the service user · Acme GmbH (acc_9) · hibob",
      );
      for (const detail of [
        "Rule: hibob.401",
        "Must act: the customer",
        "Request id: req_evt_1",
        "StackOne: Unauthorized",
        "hibob (401): Service user token was revoked",
        "POST /connect_sessions",
      ]) {
        expect(internal.body).toContain(detail);
      }
      expect(lines.some((l) => l.startsWith("📧 EMAIL to hr@customer.example"))).toBe(true);
    });

    it("sends nothing more for repeats within the repeat interval", async () => {
      await unauthorized(`evt_${++failures}`);
      expect(slack.bodies(DEFAULT_SLACK)).toHaveLength(1);
      expect(hooks.received).toHaveLength(1);
    });

    it("sends one reminder once the repeat interval has passed", async () => {
      clock.advance(4 * HOUR_MS + 1_000);
      await unauthorized(`evt_${++failures}`);
      const messages = slack.bodies(DEFAULT_SLACK);
      expect(messages).toHaveLength(2);
      expect(messages[1].blocks[0].text.text).toMatch(/^🔁 Still firing/);
      expect(hooks.received).toHaveLength(2);
    });

    it("sends one resolved message when the sweeper finds it quiet, and only one", async () => {
      clock.advance(24 * HOUR_MS + 1_000);
      await stack.sweepNow();
      await settle();
      await stack.sweepNow();
      await settle();

      const messages = slack.bodies(DEFAULT_SLACK);
      expect(messages).toHaveLength(3);
      expect(messages[2].blocks[0].text.text).toMatch(/^✅ Resolved/);
      expect(slack.bodies(HIBOB_SLACK)).toHaveLength(3);
      expect(slack.bodies(LEVER_SLACK)).toEqual([]);

      const outbox = await api("GET", "/outbox");
      const customer = outbox.body.emails.filter(
        (e: { to: string }) => e.to === "hr@customer.example",
      );
      expect(customer.map((e: { subject: string }) => e.subject)).toEqual([
        "Hibob · Acme GmbH: your connection is working again",
        "Reminder · Hibob · Acme GmbH: Your Hibob connection needs new service user credentials",
        "Hibob · Acme GmbH: Your Hibob connection needs new service user credentials",
      ]);
      const internal = outbox.body.emails.filter(
        (e: { to: string }) => e.to === "oncall@example.com",
      );
      expect(internal.map((e: { subject: string }) => e.subject.split(" ")[0])).toEqual([
        "[resolved]",
        "[still",
        "[critical]",
      ]);
    });
  });
