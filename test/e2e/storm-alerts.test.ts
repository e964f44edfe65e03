import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GREENHOUSE_REVOKED, LEVER_DOWN, request } from "../../scripts/demo-scenarios.ts";
import { ENGINES, type Stack } from "../../server/stack.ts";
import { type Receiver, startReceiver } from "../support/http-receiver.ts";
import { startTestStack } from "../support/in-process-stack.ts";
import { callApi, postStackone } from "../support/local-stack.ts";
import { ManualClock } from "../support/manual-clock.ts";

/**
 * A storm as the people on the other end see it, through the local stack on each engine: a
 * Lever outage across 12 accounts is one Slack message and one resolved notice; 2,000 new
 * accounts failing within seconds are 5 messages and a digest, every event counted, and each
 * customer's own channel hears only of its own account.
 */

const DEFAULT = "/services/T0/B0/DEFAULT";
const MINUTE = 60_000;

for (const engine of ENGINES)
  describe(`a storm in the local stack (${engine})`, () => {
    // dynalite (the DynamoDB of the tests) takes the same code path far slower: fewer accounts.
    const FLOOD = engine === "sqlite" ? 2_000 : 500;
    let stack: Stack;
    let slack: Receiver;
    const clock = new ManualClock(Date.parse("2026-11-24T14:02:05.000Z"));

    async function post(payloads: unknown[]) {
      expect((await postStackone(stack.url, payloads)).status).toBe(202);
    }

    const get = async (path: string) => (await callApi(stack, "GET", path)).body;

    beforeAll(async () => {
      slack = await startReceiver();
      stack = await startTestStack({
        engine,
        slackWebhookUrl: `${slack.base}${DEFAULT}`,
        // The channels are on 127.0.0.1.
        allowLocalUrls: true,
        clock,
      });
    });

    afterAll(async () => {
      await stack?.close();
      await slack?.close();
    });

    it("a Lever outage across 12 accounts: one provider incident, one Slack message, then one resolved notice", async () => {
      // Each account's request, as StackOne's webhook carries it, three times (the rule's threshold).
      const accounts = Array.from({ length: 12 }, (_, i) => `lever_outage_${i}`);
      await post(
        accounts.flatMap((account) => {
          const { payload } = request(account, "lever", LEVER_DOWN);
          return [0, 1, 2].map((n) => ({
            ...(payload(n) as object),
            event_date: clock.now().toISOString(),
          }));
        }),
      );
      await stack.settle();
      // The grouping wait passes: the accounts' own notices stay held back by the outage.
      clock.advance(2 * MINUTE);
      await stack.sweepNow();
      await stack.settle();
      expect(slack.bodies(DEFAULT).map((m) => m.text)).toEqual([
        expect.stringContaining("Lever is failing for 12 accounts (unavailable since 14:02 UTC)"),
      ]);
      const { incidents: providers } = await get("/incidents?scope=provider");
      expect(providers).toHaveLength(1);
      expect(providers[0]).toMatchObject({ scope: "provider", affected_accounts: 12, count: 36 });
      const { incidents: own } = await get("/incidents?scope=account&provider=lever");
      expect(own).toHaveLength(12);
      for (const incident of own) expect(incident.part_of?.id).toBe(providers[0].id);

      // Quiet for the rule's 30 minutes: one resolved notice, for the provider incident.
      clock.advance(31 * MINUTE);
      await stack.sweepNow();
      await stack.settle();
      const texts = slack.bodies(DEFAULT).map((m) => m.text);
      expect(texts).toHaveLength(2);
      expect(texts[1]).toContain("12 accounts were hit");
      slack.reset();
    }, 120_000);

    it("a flood of new accounts failing within seconds (2,000 on SQLite): 5 messages and one digest; every event counted; each customer's channel only its own", async () => {
      clock.advance(10 * MINUTE);
      const customers = ["flood_0", `flood_${FLOOD / 2}`, `flood_${FLOOD - 1}`];
      for (const account of customers) {
        const response = await callApi(stack, "POST", "/subscriptions", {
          kind: "slack",
          target: `${slack.base}/customer/${account}`,
          filter: { account_ids: [account], audience: "customer" },
        });
        expect(response.status).toBe(201);
      }
      for (let i = 0; i < FLOOD; i += 100)
        await post(
          Array.from({ length: 100 }, (_, k) => ({
            ...(request(`flood_${i + k}`, "greenhouse", GREENHOUSE_REVOKED).payload(0) as object),
            event_date: clock.now().toISOString(),
          })),
        );
      await stack.settle(300_000);
      expect(slack.bodies(DEFAULT)).toHaveLength(5);
      for (const account of customers) {
        const own = slack.bodies(`/customer/${account}`);
        expect(own).toHaveLength(1);
        expect(JSON.stringify(own)).not.toMatch(/flood_\d/);
      }

      // The minute is over: its digest counts the rest.
      clock.advance(MINUTE);
      await stack.runTask("digests");
      const messages = slack.bodies(DEFAULT);
      expect(messages).toHaveLength(6);
      expect(messages[5].text).toContain(`${(FLOOD - 5).toLocaleString("en-US")} more notices`);

      // Every event counted, and the API says how each incident's notice went: 2,000 in pages.
      const seen: { count: number; delivery: string }[] = [];
      let next = "";
      do {
        const page = await get(
          `/incidents?provider=greenhouse&scope=account&limit=700${next ? `&cursor=${next}` : ""}`,
        );
        seen.push(...page.incidents);
        next = page.next ?? "";
      } while (next);
      expect(seen).toHaveLength(FLOOD);
      expect(seen.every((i) => i.count === 1)).toBe(true);
      expect(seen.filter((i) => i.delivery === "digest")).toHaveLength(FLOOD - 5);
      expect(seen.filter((i) => i.delivery === "sent")).toHaveLength(5);
    }, 600_000);
  });
