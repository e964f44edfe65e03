import { existsSync } from "node:fs";
import { checkSmtpUrl, describeSmtpUrl } from "../shared/adapters/smtp/smtp-sender.ts";
import { ConfigError, type ServerConfig, serverConfig } from "../shared/config.ts";
import { redactUrl } from "../shared/notify/url-guard.ts";
import { loadRules } from "../shared/quirks/custom.ts";
import { adminTokenPath } from "./admin-token.ts";
import { defaultDataMaxMb } from "./data-bounds.ts";
import { loadEnv } from "./env.ts";
import { DEV_STACKONE_SECRET, isLoopbackHost, webhookSecrets } from "./exposure.ts";
import { startStack } from "./stack.ts";
import { StartupError } from "./startup-error.ts";

/**
 * `npm start`: the single node's composition root. Every setting is read and checked once
 * (shared/config.ts), from the environment and an optional .env; a bad one stops the start with
 * one line naming it and exit code 2. Then the stack starts, and the banner says where
 * everything is.
 */

/** A problem the user can fix: one line on stderr, exit code 2. */
function cannotStart(reason: string): never {
  console.error(`Quirkwatch cannot start: ${reason}`);
  process.exit(2);
}

// The environment, then an optional .env; the defaults are for local development.
loadEnv();
let config: ServerConfig;
let rules: ReturnType<typeof loadRules>;
try {
  config = serverConfig();
  if (config.rulesPath !== undefined && !existsSync(config.rulesPath))
    cannotStart(`the rules file ${config.rulesPath} (QUIRKWATCH_RULES) does not exist`);
  rules = loadRules(config.rulesPath);
} catch (error) {
  if (error instanceof ConfigError) cannotStart(error.message);
  console.error((error as Error).message);
  process.exit(2);
}
const { dataDir, host, allowedHosts, allowLocalUrls, slackSigningSecret } = config;
const custom = config.rulesPath;
const maxMb = config.dataMaxMb ?? defaultDataMaxMb(dataDir, ["queue.db", "quirkwatch.db"]);
// The key is a secret: it goes to the poller and nowhere else, never to the console.
const poller =
  config.stackoneApiKey === undefined
    ? undefined
    : {
        apiKey: config.stackoneApiKey,
        apiUrl: config.stackoneApiUrl,
        intervalMs: config.stackonePollSeconds * 1000,
        overlapSeconds: config.stackonePollOverlapSeconds,
      };
// One address for dashboard links and reconnect links: PUBLIC_URL, or QUIRKWATCH_URL.
const publicAt = config.publicUrl ?? config.dashboardUrl;
const secrets = webhookSecrets(host, {
  stackone: config.stackoneWebhookSecrets,
  generic: config.genericWebhookSecret,
});

// SMTP_URL holds a password: it is checked and named by host only, never printed.
const smtp = config.smtpUrl;
const from = config.emailFrom;
if (smtp !== undefined) {
  const problem = checkSmtpUrl(smtp);
  if (problem) cannotStart(problem);
  if (from === undefined)
    cannotStart(
      "SMTP_URL is set but EMAIL_FROM is not: set the sender, e.g. EMAIL_FROM='Quirkwatch <alerts@example.com>'",
    );
}
const email = smtp !== undefined && from !== undefined ? { smtpUrl: smtp, from } : undefined;

let stack: Awaited<ReturnType<typeof startStack>>;
try {
  stack = await startStack({
    port: config.port,
    host,
    dataDir,
    engine: config.engine,
    dynamoEndpoint: config.dynamoEndpoint,
    maxBytes: maxMb * 1024 * 1024,
    rules,
    stackoneSecrets: secrets.stackone,
    genericSecret: secrets.generic,
    webhooksOff: secrets.off,
    adminToken: config.adminToken,
    allowedHosts,
    sweepIntervalMs: config.sweepIntervalSeconds * 1000,
    slackWebhookUrl: config.slackWebhookUrl,
    slackSigningSecret,
    pagerdutyEventsUrl: config.pagerdutyEventsUrl,
    reauthUrlTemplate: config.reauthUrlTemplate,
    email,
    allowLocalUrls,
    stackonePoller: poller,
    publicUrl: publicAt,
    reconnectSecret: config.reconnectSecret,
    reconnectLinkDays: config.reconnectLinkDays,
  });
} catch (error) {
  if (error instanceof StartupError) cannotStart(error.message);
  throw error;
}
const slack = config.slackWebhookUrl;
const auth = "   (Authorization: Bearer <token>)";
const storage =
  stack.engine === "sqlite"
    ? `${dataDir}/queue.db and quirkwatch.db (SQLite; nothing accepted is lost, even on a crash; at most ${maxMb} MB each, DATA_MAX_MB)`
    : `DynamoDB ${config.dynamoEndpoint ? `at ${config.dynamoEndpoint}` : `(dynalite in ${dataDir}/dynamo)`}, with the queue and alerts in memory`;
// `npm run demo` finds this stack by itself when it listens where PORT and HOST say.
const demo =
  stack.port === config.port && stack.url === `http://${host}:${stack.port}`
    ? "npm run demo"
    : `npm run demo -- ${stack.url}`;
// The link carries the token in its fragment, which the browser never sends: the page keeps it.
const dashboard = stack.adminTokenKept
  ? `${stack.url}/#token=${stack.adminToken}   (admin token ${stack.adminTokenCreated ? "made now and " : ""}kept in ${adminTokenPath(dataDir)})`
  : `${stack.url}/   (sign in with ADMIN_TOKEN)`;
const signing = secrets.development.includes("stackone")
  ? `the development secret "${DEV_STACKONE_SECRET}" (set STACKONE_WEBHOOK_SECRET to change it)`
  : secrets.off.stackone
    ? "off (below)"
    : "STACKONE_WEBHOOK_SECRET from the environment";
const off = Object.entries(secrets.off).map(
  ([source, reason]) => `\n  Off           POST /webhooks/${source}: ${reason}`,
);
const network = isLoopbackHost(host)
  ? ""
  : `\n  Network       HOST=${host}: answers for loopback, ${host}${allowedHosts.length > 0 ? `, ${allowedHosts.join(", ")}` : ""}${["0.0.0.0", "::"].includes(host) ? " and this machine's addresses" : ""} (set ALLOWED_HOSTS to add the names clients use)`;

// Since the process started (a build `npm start` ran first included), to listening.
const readyMs = Math.round(performance.now());
console.log(`Quirkwatch is running locally (ready in ${readyMs} ms).

  Dashboard     ${dashboard}
  Webhook URL   ${stack.url}/webhooks/stackone   (generic Standard Webhooks: ${stack.url}/webhooks/generic)
  Signing       ${signing}${off.join("")}${network}
  Incidents     GET ${stack.url}/incidents${auth}
  Subscriptions POST/GET ${stack.url}/subscriptions   (Slack, webhook${allowLocalUrls ? ": loopback and private addresses allowed (ALLOW_PRIVATE_DESTINATIONS=1)" : ""}; email: ${email ? "sent" : "to the outbox"})
  Data          ${storage}
  Alerts        printed here${slack ? `, and posted to Slack at ${redactUrl(slack)}` : " (set SLACK_WEBHOOK_URL to post them to Slack too)"}
  Email         ${email ? `sent through ${describeSmtpUrl(email.smtpUrl)} from ${email.from}, and kept at GET ${stack.url}/outbox${auth}` : `not sent: printed here and kept at GET ${stack.url}/outbox${auth} (set SMTP_URL and EMAIL_FROM to send it)`}
  Health        GET ${stack.url}/healthz; Prometheus metrics at GET ${stack.url}/metrics${auth}
  Slack buttons ${slackSigningSecret ? `on: Slack's Request URL is <your public URL>/slack/actions` : "off (set SLACK_SIGNING_SECRET to acknowledge, mute and resolve from Slack)"}
  Rules         ${rules.length} rules${custom ? ` (custom: ${custom})` : ""}
  Request logs  ${poller ? `polled from ${poller.apiUrl} every ${poller.intervalMs / 1000} s` : "not polled (set STACKONE_API_KEY to poll StackOne's request logs)"}
  Reconnect     ${stack.reconnect.on ? `re-auth alerts carry a link to ${publicAt}/reconnect/… (works ${stack.reconnect.days} days; a click makes a StackOne connect session)` : `no links in re-auth alerts: ${stack.reconnect.why}`}

Try it: ${demo}
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
