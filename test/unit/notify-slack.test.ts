import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createHandler, type NotifySlackDeps } from "../../functions/notify-slack.ts";
import { createLogger, jsonSink } from "../../shared/log.ts";
import type { SubscriptionFilter } from "../../shared/notify/filter.ts";
import { DeliveryFailed } from "../../shared/notify/retry-stage.ts";
import { renderSlack } from "../../shared/notify/slack.ts";
import { SlackPoster } from "../../shared/notify/slack-delivery.ts";
import { never, ok, type Receiver, startReceiver, status } from "../support/http-receiver.ts";
import { MemorySubscriptionStore } from "../support/memory-ports.ts";
import { notice, snsEvent } from "../support/notices.ts";

const DEFAULT_PATH = "/services/T0/B0/DEFAULTSECRET";
const SUB_PATH = "/services/T1/B1/SUBSCRIPTIONSECRET";

let slack: Receiver;

beforeAll(async () => {
  slack = await startReceiver();
});
afterAll(async () => {
  await slack.close();
});

/** A fake clock that only moves when the poster sleeps: waits are recorded, never slept. */
function fakeTime() {
  const clock = { ms: 1_700_000_000_000, waits: [] as number[] };
  return {
    clock,
    now: () => clock.ms,
    sleep: async (ms: number) => {
      clock.waits.push(ms);
      clock.ms += ms;
    },
  };
}

let subscriptions: MemorySubscriptionStore;
let time: ReturnType<typeof fakeTime>;
let logs: string[];
let handle: ReturnType<typeof createHandler>;
const lambdaContext = (remainingMs = 30_000) => ({ getRemainingTimeInMillis: () => remainingMs });

function setup(overrides: Partial<NotifySlackDeps> = {}) {
  handle = createHandler({
    subscriptions,
    poster: new SlackPoster({ now: time.now, sleep: time.sleep, timeoutMs: 300 }),
    defaultUrl: `${slack.base}${DEFAULT_PATH}`,
    log: createLogger(jsonSink((line) => logs.push(line))),
    // The retry stage waits on the same fake clock as the poster's pacing.
    retry: { sleep: time.sleep },
    clock: { now: () => new Date(time.now()) },
    ...overrides,
  });
}

async function addSlack(id: string, path: string, filter: SubscriptionFilter = {}) {
  await subscriptions.create({
    id,
    kind: "slack",
    target: `${slack.base}${path}`,
    filter,
    created_at: new Date().toISOString(),
  });
}

beforeEach(() => {
  slack.reset();
  subscriptions = new MemorySubscriptionStore();
  time = fakeTime();
  logs = [];
  setup();
});

describe("Slack notifier", () => {
  it("posts the rendered notice to the default channel", async () => {
    const n = notice(1);
    await handle(snsEvent(n), lambdaContext());
    expect(slack.bodies(DEFAULT_PATH)).toEqual([JSON.parse(JSON.stringify(renderSlack(n)))]);
    expect(slack.received[0]?.headers["content-type"]).toMatch(/^application\/json/);
  });

  it("speaks to a channel filtered to the customer in their words, and to ours in ours", async () => {
    await addSlack("sub_customer", SUB_PATH, { audience: "customer" });
    const theirs = notice(1);
    const ours = notice(2, { must_act: "us", customer: undefined });
    await handle(snsEvent(theirs, ours), lambdaContext());
    expect(slack.bodies(SUB_PATH)).toEqual([
      JSON.parse(JSON.stringify(renderSlack(theirs, { audience: "customer" }))),
    ]);
    expect(slack.bodies(SUB_PATH)[0].text).toBe("⚠️ Your Hibob connection needs to be reconnected");
    expect(slack.bodies(DEFAULT_PATH).map((m) => m.text)).toEqual([
      renderSlack(theirs).text,
      renderSlack(ours).text,
    ]);
  });

  it("adds the re-auth button from the template", async () => {
    setup({ reauthUrlTemplate: "https://app.example.com/reconnect/{account_id}" });
    await handle(snsEvent(notice(1)), lambdaContext());
    const [message] = slack.bodies(DEFAULT_PATH);
    expect(JSON.stringify(message)).toContain("https://app.example.com/reconnect/acct_1");
  });

  it("posts to the Slack subscriptions whose filter matches, and not to the others", async () => {
    await addSlack("sub_hibob", "/services/T1/B1/HIBOB", { providers: ["hibob"] });
    await addSlack("sub_lever", "/services/T1/B1/LEVER", { providers: ["lever"] });
    await addSlack("sub_critical", "/services/T1/B1/CRIT", { min_severity: "critical" });
    await handle(snsEvent(notice(1)), lambdaContext());
    expect(slack.received.map((r) => r.path).sort()).toEqual(
      [DEFAULT_PATH, "/services/T1/B1/HIBOB"].sort(),
    );
  });

  it("waits out a 429's Retry-After, then delivers", async () => {
    slack.script(DEFAULT_PATH, status(429, "rate_limited", { "retry-after": "1" }), ok);
    await handle(snsEvent(notice(1)), lambdaContext());
    const bodies = slack.bodies(DEFAULT_PATH);
    expect(bodies).toHaveLength(2);
    expect(bodies[1]).toEqual(bodies[0]);
    expect(time.clock.waits).toEqual([1_000]);
  });

  it("fails the invocation on a 429 it has no time to wait out, so SNS retries", async () => {
    slack.script(DEFAULT_PATH, status(429, "rate_limited", { "retry-after": "30" }));
    await expect(handle(snsEvent(notice(1)), lambdaContext(10_000))).rejects.toThrow(
      DeliveryFailed,
    );
    expect(slack.received).toHaveLength(1);
    expect(time.clock.waits).toEqual([]);
  });

  it("retries a 500 twice with growing backoff, then delivers", async () => {
    // No pacing here, so the waits are the backoff alone.
    setup({ poster: new SlackPoster({ now: time.now, sleep: time.sleep, minIntervalMs: 0 }) });
    slack.script(DEFAULT_PATH, status(500, "rollup_error"), status(500, "rollup_error"), ok);
    await handle(snsEvent(notice(1)), lambdaContext());
    expect(slack.bodies(DEFAULT_PATH)).toHaveLength(3);
    const [first = 0, second = 0] = time.clock.waits;
    expect(time.clock.waits).toHaveLength(2);
    // Exponential with jitter: each wait is within [delay/2, delay], the delay doubling.
    expect(first).toBeGreaterThanOrEqual(250);
    expect(first).toBeLessThanOrEqual(500);
    expect(second).toBeGreaterThanOrEqual(500);
    expect(second).toBeLessThanOrEqual(1_000);
  });

  it("throws after a few attempts when Slack keeps failing", async () => {
    slack.script(DEFAULT_PATH, ...Array.from({ length: 10 }, () => status(503)));
    await expect(handle(snsEvent(notice(1)), lambdaContext())).rejects.toThrow(
      /HTTP 503.*after 4 attempts/,
    );
    expect(slack.received).toHaveLength(4);
  });

  it("retries a response slower than the timeout", async () => {
    slack.script(DEFAULT_PATH, never, ok);
    await handle(snsEvent(notice(1)), lambdaContext());
    expect(slack.bodies(DEFAULT_PATH)).toHaveLength(2);
  });

  it.each([
    [404, "no_service"],
    [410, "channel_is_archived"],
    [403, "action_prohibited"],
  ])(
    "marks a subscription answering %i %s broken, once, and sends it nothing more",
    async (code, text) => {
      await addSlack("sub_gone", SUB_PATH);
      slack.script(SUB_PATH, status(code, text));
      await handle(snsEvent(notice(1)), lambdaContext());

      const stored = await subscriptions.get("sub_gone");
      expect(stored?.broken_reason).toBe(`HTTP ${code} ${text}`);
      expect(slack.bodies(SUB_PATH)).toHaveLength(1);
      // The default channel got the notice and one message saying the destination broke.
      const told = slack.bodies(DEFAULT_PATH).filter((m) => m.text.includes("sub_gone"));
      expect(told).toHaveLength(1);
      expect(told[0].text).toContain(`HTTP ${code} ${text}`);
      expect(told[0].text).not.toContain("SUBSCRIPTIONSECRET");

      await handle(snsEvent(notice(2), notice(3)), lambdaContext());
      expect(slack.bodies(SUB_PATH)).toHaveLength(1);
      expect(slack.bodies(DEFAULT_PATH).filter((m) => m.text.includes("sub_gone"))).toHaveLength(1);
      expect(slack.bodies(DEFAULT_PATH)).toHaveLength(4);
    },
  );

  it("does not retry a broken subscription (the invocation succeeds)", async () => {
    await addSlack("sub_gone", SUB_PATH);
    slack.script(SUB_PATH, status(404, "no_service"));
    await expect(handle(snsEvent(notice(1)), lambdaContext())).resolves.toBeUndefined();
  });

  it("fails when the default channel is gone, so its notices wait in the dead-letter queue", async () => {
    slack.script(DEFAULT_PATH, status(404, "no_service"));
    await expect(handle(snsEvent(notice(1)), lambdaContext())).rejects.toThrow(/no_service/);
    expect(slack.received).toHaveLength(1);
  });

  it("on a retried notice, posts only to the destinations that did not get it", async () => {
    await addSlack("sub_flaky", SUB_PATH);
    slack.script(SUB_PATH, ...Array.from({ length: 4 }, () => status(500)));
    const event = snsEvent(notice(1));
    await expect(handle(event, lambdaContext())).rejects.toThrow(DeliveryFailed);
    expect(slack.bodies(DEFAULT_PATH)).toHaveLength(1);

    await handle(event, lambdaContext());
    expect(slack.bodies(DEFAULT_PATH)).toHaveLength(1);
    expect(slack.bodies(SUB_PATH)).toHaveLength(5);
  });

  it("paces posts to one webhook to one a second, across warm invocations too", async () => {
    await handle(snsEvent(notice(1), notice(2), notice(3)), lambdaContext());
    expect(time.clock.waits).toEqual([1_000, 1_000]);
    await handle(snsEvent(notice(4)), lambdaContext());
    expect(time.clock.waits).toEqual([1_000, 1_000, 1_000]);
    expect(slack.bodies(DEFAULT_PATH)).toHaveLength(4);
  });

  it("never logs a webhook URL's secret path", async () => {
    await addSlack("sub_gone", SUB_PATH);
    slack.script(SUB_PATH, status(404, "no_service"));
    slack.script(DEFAULT_PATH, ...Array.from({ length: 10 }, () => status(500)));
    await expect(handle(snsEvent(notice(1)), lambdaContext())).rejects.toThrow();
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.join("\n")).not.toMatch(/SECRET/);
  });

  it("posts nothing, and succeeds, with no default and no subscriptions", async () => {
    setup({ defaultUrl: undefined });
    await handle(snsEvent(notice(1)), lambdaContext());
    expect(slack.received).toHaveLength(0);
  });
});
