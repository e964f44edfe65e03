import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { leverRevoked } from "../support/factories.ts";
import { startReceiver } from "../support/http-receiver.ts";
import {
  eventually,
  postStackone,
  type RunningStack,
  startLocalStack,
} from "../support/local-stack.ts";
import { rulesFile } from "../support/rules-file.ts";

// Through `npm start`, as a user runs it: a short repeat interval and quiet period, set by a
// custom rules file, and a Slack channel played by a local receiver.
describe("Slack alerts through npm start", () => {
  let stack: RunningStack;
  let slack: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    slack = await startReceiver();
    const rules = rulesFile([
      { id: "lever.401", alert: { repeat_seconds: 2, resolve_after_quiet_seconds: 4 } },
    ]);
    stack = await startLocalStack({
      SLACK_WEBHOOK_URL: `${slack.base}/services/T000/B000/XXXX`,
      QUIRKWATCH_RULES: rules,
      SWEEP_INTERVAL_SECONDS: "1",
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await slack?.close();
  });

  const revoked = (id: string) => leverRevoked(id, "acct-slack", { origin_owner_name: "Initech" });

  it("posts one firing message per incident, one reminder, and one resolved message", async () => {
    const texts = () =>
      slack.bodies("/services/T000/B000/XXXX").map((b: { text: string }) => b.text);
    // Three failed requests on one account are one incident: one message.
    expect(
      (await postStackone(stack.url, [revoked("a1"), revoked("a2"), revoked("a3")])).status,
    ).toBe(202);
    await eventually(async () => (texts().length === 1 ? true : undefined));
    expect(texts()[0]).toMatch(/Initech/);

    // After the repeat interval, the next event brings one reminder.
    await new Promise((r) => setTimeout(r, 2200));
    expect((await postStackone(stack.url, revoked("a4"))).status).toBe(202);
    await eventually(async () => (texts().length === 2 ? true : undefined));

    // Quiet for longer than the rule allows: the sweeper resolves it, once.
    await eventually(async () => (texts().length === 3 ? true : undefined), 15_000);
    await new Promise((r) => setTimeout(r, 1500));
    const [firing, reminder, resolved] = slack.bodies("/services/T000/B000/XXXX");
    expect(slack.bodies("/services/T000/B000/XXXX")).toHaveLength(3);
    expect(JSON.stringify(firing.blocks)).toMatch(/lever\.401/);
    expect(reminder.text).toMatch(/1 more/i);
    expect(resolved.text).toMatch(/resolved/i);
    expect(JSON.stringify(resolved.blocks)).toMatch(/4 events?/);
  }, 40_000);
});
