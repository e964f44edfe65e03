import { GREENHOUSE_REVOKED, LEVER_DOWN, request } from "../scripts/demo-scenarios.ts";
import { startReceiver } from "../test/support/http-receiver.ts";
import { getJson, postStackone, startLocalStack } from "../test/support/local-stack.ts";

// What a storm costs the people on the other end: the Slack messages and customer notices one
// `npm start` sends for (1) a Lever outage across 12 accounts and (2) 2,000 new accounts failing
// within 5 s. Usage: npm run bench:storm [-- --engine dynamodb]. Prints one line per storm.
const ENGINE = process.argv.includes("--engine")
  ? (process.argv[process.argv.indexOf("--engine") + 1] ?? "sqlite")
  : "sqlite";
const WATCH_MS = Number(process.env.BENCH_WATCH_MS ?? 75_000);

async function storm(name: string, send: (url: string) => Promise<void>, customers: string[]) {
  const slack = await startReceiver();
  const stack = await startLocalStack({
    SLACK_WEBHOOK_URL: `${slack.base}/default`,
    QUIRKWATCH_ENGINE: ENGINE,
    QUIRKWATCH_LOCAL: "1",
    SWEEP_INTERVAL_SECONDS: "5",
  });
  try {
    // Each customer's own Slack channel, in their words.
    for (const account of customers) {
      await fetch(`${stack.url}/subscriptions`, {
        method: "POST",
        body: JSON.stringify({
          kind: "slack",
          target: `${slack.base}/customer/${account}`,
          filter: { account_ids: [account], audience: "customer" },
        }),
      });
    }
    const started = Date.now();
    await send(stack.url);
    await new Promise((r) => setTimeout(r, WATCH_MS));
    const toDefault = slack.received.filter((r) => r.path === "/default").length;
    const toCustomers = slack.received.filter((r) => r.path.startsWith("/customer/")).length;
    const stats = await getJson<{ notices: number; deliveries: { pending: number } }>(
      `${stack.url}/_local/stats`,
    );
    console.log(
      `${ENGINE} ${name}: ${toDefault} Slack messages to the default channel and ${toCustomers} to ${customers.length} customer channels in ${Math.round((Date.now() - started) / 1000)} s; ${stats.notices} notices decided, ${stats.deliveries.pending} deliveries still pending`,
    );
  } finally {
    await stack.stop();
    await slack.close();
  }
}

const outageAccounts = Array.from({ length: 12 }, (_, i) => `lever_${i}`);
await storm(
  "Lever outage, 12 accounts x 3 events in a minute",
  async (url) => {
    for (const account of outageAccounts) {
      const { payload } = request(account, "lever", LEVER_DOWN);
      await postStackone(url, [payload(0), payload(1), payload(2)]);
      await new Promise((r) => setTimeout(r, 2_000));
    }
  },
  outageAccounts.slice(0, 3),
);

const flood = Array.from({ length: 2_000 }, (_, i) => `flood_${i}`);
await storm(
  "flood, 2,000 new accounts in 5 s",
  async (url) => {
    for (let i = 0; i < flood.length; i += 100) {
      const body = flood
        .slice(i, i + 100)
        .map((account) => request(account, "greenhouse", GREENHOUSE_REVOKED).payload(0));
      await postStackone(url, body);
      await new Promise((r) => setTimeout(r, 250));
    }
  },
  flood.slice(0, 3),
);
