import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createHandler } from "../../functions/notify-pagerduty.ts";
import { createLogger, jsonSink } from "../../shared/log.ts";
import { pagerDutyEvent } from "../../shared/notify/pagerduty.ts";
import { DeliveryFailed } from "../../shared/notify/retry-stage.ts";
import { SlackPoster } from "../../shared/notify/slack-delivery.ts";
import { adminApi, apiDeps } from "../support/api.ts";
import { type Receiver, startReceiver } from "../support/http-receiver.ts";
import { MemorySubscriptionStore } from "../support/memory-ports.ts";
import { notice, snsEvent } from "../support/notices.ts";
import { type FakePagerDuty, startPagerDuty } from "../support/pagerduty-server.ts";

const KEY = "R0UT1NGKEYR0UT1NGKEYR0UT1NGKEY12";
const WRONG_KEY = "WR0NGKEYWR0NGKEYWR0NGKEYWR0NGKEY";
const DASHBOARD = "https://quirkwatch.example.com";

let pagerDuty: FakePagerDuty;
let slack: Receiver;

beforeAll(async () => {
  [pagerDuty, slack] = await Promise.all([startPagerDuty([KEY]), startReceiver()]);
});
afterAll(async () => {
  await Promise.all([pagerDuty.close(), slack.close()]);
});

let subscriptions: MemorySubscriptionStore;
let logs: string[];
let handle: ReturnType<typeof createHandler>;

beforeEach(() => {
  pagerDuty.received.length = 0;
  slack.reset();
  subscriptions = new MemorySubscriptionStore();
  logs = [];
  handle = createHandler({
    subscriptions,
    eventsUrl: pagerDuty.url,
    dashboardUrl: DASHBOARD,
    slack: {
      poster: new SlackPoster({ minIntervalMs: 0 }),
      defaultUrl: `${slack.base}/services/DEFAULT`,
    },
    log: createLogger(jsonSink((line) => logs.push(line))),
    // One attempt per invocation: the test plays the invocations of a notice one by one.
    retry: { policy: { attempts: 1 } },
  });
});

/** Adds a PagerDuty subscription through the admin API, as a user would. */
function subscribe(target: string, filter: Record<string, unknown> = {}) {
  const deps = apiDeps({ adminToken: "token" });
  const api = adminApi({ ...deps, subscriptions: { ...deps.subscriptions, subscriptions } });
  return api("POST /subscriptions", { body: { kind: "pagerduty", target, filter } });
}

describe("PagerDuty events", () => {
  it("maps firing, acknowledged and resolved to trigger, acknowledge and resolve on one dedup_key", async () => {
    expect((await subscribe(KEY)).status).toBe(201);
    const firing = notice(7, { severity: "critical" });
    const acknowledged = { ...notice(7, {}, "acknowledged"), acknowledged_by: "dana" };
    const resolved = notice(7, { status: "resolved" }, "resolved");
    for (const n of [firing, acknowledged, resolved]) await handle(snsEvent(n));

    const events = pagerDuty.accepted().map((r) => r.body);
    expect(events.map((e) => e.event_action)).toEqual(["trigger", "acknowledge", "resolve"]);
    expect(new Set(events.map((e) => e.dedup_key))).toEqual(new Set(["inc_7"]));
    expect(events.every((e) => e.routing_key === KEY)).toBe(true);
  });

  it("says who, what and where in the trigger's payload", () => {
    const n = notice(3, {
      severity: "warning",
      docs_url: "https://docs.example.com/hibob",
      last_error: {
        status: 401,
        method: "GET",
        path: "/unified/hris/employees",
        message: "Unauthorized",
        provider_message: "token expired at hibob",
        at: "2024-05-01T12:05:00.000Z",
      },
    });
    const event = pagerDutyEvent(n, KEY, DASHBOARD);
    expect(event.payload).toMatchObject({
      summary: "[warning] Hibob service user token expired · Acme Corp (acct_3) · Hibob",
      source: "quirkwatch",
      severity: "warning",
      component: "hibob",
      group: "acct_3",
      class: "reauth_required",
    });
    expect(event.payload?.custom_details).toMatchObject({
      provider_said: "token expired at hibob",
      what_to_do: ["1. Reconnect Hibob"],
      events: 3,
    });
    expect(event.links).toEqual([
      { href: `${DASHBOARD}/?account=acct_3&provider=hibob`, text: "Quirkwatch" },
      { href: "https://docs.example.com/hibob", text: "Docs for this problem" },
    ]);
    // Acknowledge and resolve carry no payload: PagerDuty only reads the dedup_key.
    expect(pagerDutyEvent(notice(3, {}, "resolved"), KEY).payload).toBeUndefined();
  });

  it("sends to matching subscriptions only", async () => {
    await subscribe(KEY, { providers: ["lever"] });
    await handle(snsEvent(notice(1)));
    expect(pagerDuty.received).toEqual([]);
  });

  it("hands 429 and 5xx to the one retry stage, then delivers", async () => {
    await subscribe(KEY);
    pagerDuty.script({ status: 429 }, { status: 503 });
    const event = snsEvent(notice(2));
    await expect(handle(event)).rejects.toThrow(DeliveryFailed);
    await expect(handle(event)).rejects.toThrow(/HTTP 503/);
    await handle(event);
    expect(pagerDuty.received.map((r) => r.status)).toEqual([429, 503, 202]);
  });

  it("switches a refused routing key off once, and tells the default Slack channel", async () => {
    const { body } = await subscribe(WRONG_KEY);
    expect(body.target).toBe("…GKEY");
    await handle(snsEvent(notice(4)));
    await handle(snsEvent(notice(5)));
    expect(pagerDuty.received.map((r) => r.status)).toEqual([400]);
    const stored = await subscriptions.get(body.id);
    expect(stored?.broken_reason).toContain("Invalid routing key");
    const told = slack.bodies("/services/DEFAULT");
    expect(told).toHaveLength(1);
    expect(told[0].text).toContain(`PagerDuty subscription ${body.id}`);
    expect(told[0].text).not.toContain(WRONG_KEY);
    expect(logs.join("\n")).not.toContain(WRONG_KEY);
  });

  it("sends a test as a trigger resolved at once", async () => {
    const { body } = await subscribe(KEY);
    const deps = apiDeps({ pagerdutyEventsUrl: pagerDuty.url });
    const api = adminApi({ ...deps, subscriptions: { ...deps.subscriptions, subscriptions } });
    const response = await api("POST /subscriptions/{id}/test", { params: { id: body.id } });
    expect(response.body).toMatchObject({ delivered: true });
    const events = pagerDuty.accepted().map((r) => r.body);
    expect(events.map((e) => e.event_action)).toEqual(["trigger", "resolve"]);
    expect(events[0].payload.severity).toBe("info");
    expect(events[0].dedup_key).toBe(events[1].dedup_key);
  });

  it("refuses a target that is not a routing key, naming the field", async () => {
    const { status, body } = await subscribe("https://events.pagerduty.com/v2/enqueue");
    expect(status).toBe(422);
    expect(body.details[0].path).toBe("target");
  });
});
