import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixedClock } from "../../shared/clock.ts";
import { forEachLimit } from "../../shared/concurrency.ts";
import type { Notice } from "../../shared/incidents/notice.ts";
import { silentLogger } from "../../shared/log.ts";
import { flushDigests, minuteOf } from "../../shared/notify/digest.ts";
import { DELIVERY_RETRY, deliver, RecentDeliveries } from "../../shared/notify/retry-stage.ts";
import { SlackPoster } from "../../shared/notify/slack-delivery.ts";
import { SlackNotifier } from "../../shared/notify/slack-notifier.ts";
import { type Receiver, startReceiver } from "../support/http-receiver.ts";
import { forEachEngine } from "./engines.ts";

const T0 = new Date("2026-11-24T14:02:05.000Z");
// The ledger on both engines; test/e2e/storm-alerts.test.ts floods the whole stack with 2,000.
const FLOOD = 300;

/** Greenhouse rejecting the credentials of account `n`: a new incident, firing. */
function firing(n: number): Notice {
  return {
    id: `inc_flood${n}.1.1.firing`,
    kind: "firing",
    created_at: T0.toISOString(),
    incident: {
      id: `inc_flood${n}`,
      account: { id: `acct_${n}`, name: `Customer ${n}` },
      provider: "greenhouse",
      rule_id: "greenhouse.401",
      category: "reauth_required",
      severity: "critical",
      must_act: "customer",
      customer: {
        title: "Your Greenhouse connection needs to be reconnected",
        what_happened: "Greenhouse rejected the credentials.",
        remediation: ["Reconnect Greenhouse."],
      },
      status: "firing",
      title: "Greenhouse credentials rejected",
      what_happened: "Greenhouse rejected the API key.",
      remediation: ["Ask the customer to reconnect."],
      retryable: false,
      count: 1,
      first_seen: T0.toISOString(),
      last_seen: T0.toISOString(),
      request_ids: [`req_${n}`],
      messages: ["Unauthorized"],
      provider_messages: ["Invalid Basic Auth credentials"],
    },
  };
}

let slack: Receiver;
beforeAll(async () => {
  slack = await startReceiver();
});
afterAll(() => slack.close());

forEachEngine((engine) => {
  describe("digests", () => {
    it("300 new incidents in a minute: 5 Slack messages, then one digest counting the rest; each customer's channel gets only its own", async () => {
      slack.reset();
      const { digests, subscriptions } = await engine().fresh();
      // Three customers, each with a channel of their own in their own words.
      for (const n of [0, 100, FLOOD - 1]) {
        await subscriptions.create({
          id: `sub_customer${n}`,
          kind: "slack",
          target: `${slack.base}/customer/${n}`,
          filter: { account_ids: [`acct_${n}`], audience: "customer" },
          created_at: T0.toISOString(),
        });
      }
      const poster = new SlackPoster({ minIntervalMs: 0 });
      const deps = {
        subscriptions,
        poster,
        defaultUrl: `${slack.base}/default`,
        recent: new RecentDeliveries(),
        log: silentLogger,
        clock: fixedClock(T0),
        digest: { ledger: digests, budget: 5 },
        policy: DELIVERY_RETRY.deployed,
      };
      const notifier = new SlackNotifier(deps);
      const notifySlack = (batch: Notice[], with_: typeof deps) => deliver(batch, notifier, with_);
      const notices = Array.from({ length: FLOOD }, (_, n) => firing(n));
      // As the notifiers take them: a few at a time.
      await forEachLimit(notices, 8, (notice) => notifySlack([notice], deps));
      expect(slack.bodies("/default")).toHaveLength(5);
      for (const n of [0, 100, FLOOD - 1]) {
        const own = slack.bodies(`/customer/${n}`);
        expect(own).toHaveLength(1);
        expect(JSON.stringify(own[0])).toContain("Your Greenhouse connection");
        expect(JSON.stringify(own[0])).not.toContain("Customer 1 ");
      }
      // A retried notice is counted once, and sent again (or folded) as the first time.
      const retried = notices.slice(0, 10);
      const foldedBefore = await digests.folded(retried.map((n) => n.id.replace(/\.firing$/, "")));
      await notifySlack(retried, { ...deps, recent: new RecentDeliveries() });
      expect(slack.bodies("/default")).toHaveLength(5 + 10 - foldedBefore.size);
      slack.reset();

      // Nothing is due while the minute lasts; once it is over, one digest.
      expect(await flushDigests({ ...deps, ledger: digests })).toBe(0);
      const later = new Date(T0.getTime() + 60_000);
      const flush = {
        ...deps,
        ledger: digests,
        clock: fixedClock(later),
        dashboardUrl: "https://qw.example/",
      };
      expect(await flushDigests(flush)).toBe(1);
      expect(await flushDigests(flush)).toBe(0);

      const toDefault = slack.bodies("/default");
      const digest = toDefault.at(-1);
      expect(toDefault).toHaveLength(1);
      expect(digest.text).toContain(`${(FLOOD - 5).toLocaleString("en-US")} more notices`);
      const groups = JSON.stringify(digest.blocks);
      expect(groups).toContain(
        `Greenhouse reauth_required for ${(FLOOD - 5).toLocaleString("en-US")} accounts (${(FLOOD - 5).toLocaleString("en-US")} new)`,
      );
      expect(groups).toContain(`… and ${(FLOOD - 8).toLocaleString("en-US")} more`);
      expect(groups).toContain("https://qw.example/?provider=greenhouse&category=reauth_required");
      // Counted, not lost: each notice was sent on its own or is in the digest.
      const folded = await digests.folded(notices.map((n) => n.id.replace(/\.firing$/, "")));
      expect(folded.size).toBe(FLOOD - 5);
      expect(minuteOf(later) - minuteOf(T0)).toBe(1);
    }, 600_000);
  });
});
