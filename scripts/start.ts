import { existsSync } from "node:fs";

// Configuration: the environment, then an optional .env; the defaults are for local development.
if (existsSync(".env")) process.loadEnvFile(".env");
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
process.env.QUIRKWATCH_LOCAL = "1";
export const DEV_STACKONE_SECRET = "quirkwatch-dev-secret";
export const DEV_GENERIC_SECRET = "whsec_cXVpcmt3YXRjaC1sb2NhbC1kZXZlbG9wbWVudC1rZXk=";
const secretFromEnv =
  process.env.STACKONE_WEBHOOK_SECRET !== undefined && process.env.STACKONE_WEBHOOK_SECRET !== "";
process.env.STACKONE_WEBHOOK_SECRET ||= DEV_STACKONE_SECRET;
process.env.GENERIC_WEBHOOK_SECRET ||= DEV_GENERIC_SECRET;

const {
  adminToken,
  allowLocalUrls,
  genericWebhookSecret,
  reauthUrlTemplate,
  rulesPath,
  slackWebhookUrl,
  stackoneApiKey,
  stackoneApiUrl,
  stackonePollOverlapSeconds,
  stackonePollSeconds,
  stackoneWebhookSecrets,
} = await import("../shared/config.ts");
const { redactUrl } = await import("../shared/notify/url-guard.ts");
const { loadRules } = await import("../shared/quirks/custom.ts");
const { startStack } = await import("./local/stack.ts");

let rules: ReturnType<typeof loadRules>;
let poller:
  | { apiKey: string; apiUrl: string; intervalMs: number; overlapSeconds: number }
  | undefined;
try {
  rules = loadRules(rulesPath());
  const apiKey = stackoneApiKey();
  // The key is a secret: it goes to the poller and nowhere else, never to the console.
  if (apiKey !== undefined) {
    poller = {
      apiKey,
      apiUrl: stackoneApiUrl(),
      intervalMs: stackonePollSeconds() * 1000,
      overlapSeconds: stackonePollOverlapSeconds(),
    };
  }
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}

const port = Number(process.env.PORT ?? 3000);
const dataDir = process.env.DATA_DIR || ".data";
const stack = await startStack({
  port,
  host: process.env.HOST || "127.0.0.1",
  dataDir,
  rules,
  stackoneSecrets: stackoneWebhookSecrets(),
  genericSecret: genericWebhookSecret(),
  adminToken: adminToken(),
  sweepIntervalMs: Number(process.env.SWEEP_INTERVAL_SECONDS ?? 60) * 1000,
  slackWebhookUrl: slackWebhookUrl(),
  reauthUrlTemplate: reauthUrlTemplate(),
  allowLocalUrls: allowLocalUrls(),
  stackonePoller: poller,
});
const slack = slackWebhookUrl();
const auth = adminToken() ? "   (Authorization: Bearer $ADMIN_TOKEN)" : "";

console.log(`Quirkwatch is running locally.

  Dashboard     ${stack.url}/${adminToken() ? "   (sign in with ADMIN_TOKEN)" : ""}
  Webhook URL   ${stack.url}/webhooks/stackone   (generic Standard Webhooks: ${stack.url}/webhooks/generic)
  Signing       ${secretFromEnv ? "STACKONE_WEBHOOK_SECRET from the environment" : `the development secret "${DEV_STACKONE_SECRET}" (set STACKONE_WEBHOOK_SECRET to change it)`}
  Incidents     GET ${stack.url}/incidents${auth}
  Subscriptions POST/GET ${stack.url}/subscriptions   (Slack, webhook: http://127.0.0.1 allowed locally; email: to the outbox)
  Data          ${dataDir}/ (incidents survive a restart)
  Alerts        printed here${slack ? `, and posted to Slack at ${redactUrl(slack)}` : " (set SLACK_WEBHOOK_URL to post them to Slack too)"}
  Email outbox  printed here, and GET ${stack.url}/outbox${auth}
  Rules         ${rules.length} rules${rulesPath() ? ` (custom: ${rulesPath()})` : ""}
  Request logs  ${poller ? `polled from ${poller.apiUrl} every ${poller.intervalMs / 1000} s` : "not polled (set STACKONE_API_KEY to poll StackOne's request logs)"}

Try it: npm run demo
`);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: finishing the events already accepted...`);
    await stack.close();
    console.log("Stopped. Nothing accepted was lost.");
    process.exit(0);
  });
}
