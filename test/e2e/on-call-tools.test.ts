import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENGINES, type Stack } from "../../server/stack.ts";
import { signSlackRequest } from "../../shared/notify/slack-signature.ts";
import { hibobRevoked } from "../support/factories.ts";
import { type Receiver, startReceiver } from "../support/http-receiver.ts";
import { sendStackone, startTestStack } from "../support/in-process-stack.ts";
import { callApi } from "../support/local-stack.ts";
import { ManualClock } from "../support/manual-clock.ts";
import { type FakePagerDuty, startPagerDuty } from "../support/pagerduty-server.ts";

/**
 * On-call where it already works, on both engines: a firing incident pages PagerDuty, its Slack
 * message carries buttons, and a signed click acknowledges (PagerDuty hears it on the same
 * dedup_key) and resolves; a click with a bad signature changes nothing.
 */

const TOKEN = "on-call-admin";
const SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
const ROUTING_KEY = "R0UT1NGKEYR0UT1NGKEYR0UT1NGKEY12";
const DEFAULT_SLACK = "/services/T0/B0/DEFAULT";
const RESPONSE_URL = "/actions/T0/1234/response";

for (const engine of ENGINES)
  describe(`PagerDuty and Slack actions in the local stack (${engine})`, () => {
    let stack: Stack;
    let slack: Receiver;
    let pagerDuty: FakePagerDuty;
    const clock = new ManualClock(Date.now());

    const api = (method: string, path: string, body?: unknown) =>
      callApi(stack, method, path, body);

    /** A click as Slack sends it: form-encoded `payload=<json>`, signed unless told otherwise. */
    async function click(
      actionId: string,
      incidentId: string,
      options: { secret?: string; timestamp?: number } = {},
    ) {
      const [message] = slack.bodies(DEFAULT_SLACK);
      const payload = {
        type: "block_actions",
        user: { id: "U024BE7LH", username: "dana", name: "dana" },
        actions: [{ action_id: actionId, block_id: "on_call", value: incidentId }],
        response_url: `${slack.base}${RESPONSE_URL}`,
        container: { type: "message" },
        message: { type: "message", text: message.text, blocks: message.blocks },
      };
      const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
      const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
      const response = await fetch(`${stack.url}/slack/actions`, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "x-slack-request-timestamp": timestamp,
          "x-slack-signature": signSlackRequest(options.secret ?? SIGNING_SECRET, timestamp, body),
        },
        body,
      });
      await stack.settle();
      return response.status;
    }

    beforeAll(async () => {
      [slack, pagerDuty] = await Promise.all([startReceiver(), startPagerDuty([ROUTING_KEY])]);
      stack = await startTestStack({
        engine,
        adminToken: TOKEN,
        slackWebhookUrl: `${slack.base}${DEFAULT_SLACK}`,
        slackSigningSecret: SIGNING_SECRET,
        pagerdutyEventsUrl: pagerDuty.url,
        // Slack's response_url here is a receiver on 127.0.0.1.
        allowLocalUrls: true,
        clock,
      });
    });

    afterAll(async () => {
      await stack?.close();
      await Promise.all([slack?.close(), pagerDuty?.close()]);
    });

    let incidentId = "";

    it("pages PagerDuty and puts on-call buttons on the Slack message", async () => {
      const created = await api("POST", "/subscriptions", {
        kind: "pagerduty",
        target: ROUTING_KEY,
      });
      expect(created.status).toBe(201);
      await sendStackone(stack, hibobRevoked("evt_1", clock.now()));

      const [trigger] = pagerDuty.accepted().map((r) => r.body);
      expect(trigger).toMatchObject({
        routing_key: ROUTING_KEY,
        event_action: "trigger",
        payload: { source: "quirkwatch", component: "hibob", group: "acc_9" },
      });
      incidentId = trigger.dedup_key;
      expect(incidentId).toMatch(/^inc_/);
      expect(trigger.payload.summary).toContain("Acme GmbH (acc_9)");
      expect(trigger.payload.custom_details.provider_said).toContain(
        "Service user token was revoked",
      );

      const [message] = slack.bodies(DEFAULT_SLACK);
      const buttons = message.blocks.find((b: { block_id: string }) => b.block_id === "on_call");
      expect(
        buttons.elements.map((e: { action_id: string; value: string }) => [e.action_id, e.value]),
      ).toEqual([
        ["acknowledge", incidentId],
        ["mute_1h", incidentId],
        ["resolve", incidentId],
      ]);
    });

    it("answers 401 to a click with a bad or stale signature, and changes nothing", async () => {
      expect(await click("acknowledge", incidentId, { secret: "not-the-secret" })).toBe(401);
      const stale = Math.floor(Date.now() / 1000) - 6 * 60;
      expect(await click("acknowledge", incidentId, { timestamp: stale })).toBe(401);
      expect((await api("GET", `/incidents/${incidentId}`)).body.acknowledged).toBeUndefined();
      expect(slack.bodies(RESPONSE_URL)).toEqual([]);
      expect(pagerDuty.accepted()).toHaveLength(1);
    });

    it("acknowledges as the Slack user, updates the message, and PagerDuty hears it", async () => {
      expect(await click("acknowledge", incidentId)).toBe(200);
      const incident = (await api("GET", `/incidents/${incidentId}`)).body;
      expect(incident.acknowledged.by).toBe("dana");

      const [update] = slack.bodies(RESPONSE_URL);
      expect(update.replace_original).toBe(true);
      expect(JSON.stringify(update.blocks)).toContain("Acknowledged by dana");
      expect(pagerDuty.accepted().map((r) => r.body.event_action)).toEqual([
        "trigger",
        "acknowledge",
      ]);
    });

    it("tells only the clicker when an action does not apply", async () => {
      expect(await click("acknowledge", incidentId)).toBe(200);
      const refusal = slack.bodies(RESPONSE_URL).at(-1);
      expect(refusal).toMatchObject({ response_type: "ephemeral", replace_original: false });
      expect(refusal.text).toContain("already acknowledged by dana");
    });

    it("resolves from Slack: PagerDuty's trigger, acknowledge and resolve share one dedup_key", async () => {
      expect(await click("resolve", incidentId)).toBe(200);
      expect((await api("GET", `/incidents/${incidentId}`)).body.status).toBe("resolved");
      const events = pagerDuty.accepted().map((r) => r.body);
      expect(events.map((e) => e.event_action)).toEqual(["trigger", "acknowledge", "resolve"]);
      expect(new Set(events.map((e) => e.dedup_key))).toEqual(new Set([incidentId]));
      const last = slack.bodies(RESPONSE_URL).at(-1);
      expect(JSON.stringify(last.blocks)).toContain("Resolved by dana");
      // Resolved: the buttons are gone.
      expect(last.blocks.some((b: { block_id: string }) => b.block_id === "on_call")).toBe(false);
    });
  });
