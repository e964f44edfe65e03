import { existsSync } from "node:fs";
import { configuredDataDir, configuredHost, configuredPort, loadEnv } from "./env.ts";

// Configuration: the environment, then an optional .env; the defaults are for local development.
loadEnv();
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const {
  adminToken,
  allowLocalUrls,
  emailFrom,
  dashboardUrl,
  pagerdutyEventsUrl,
  slackSigningSecret,
  genericWebhookSecret,
  publicUrl,
  reauthUrlTemplate,
  reconnectLinkDays,
  reconnectSecret,
  rulesPath,
  slackWebhookUrl,
  smtpUrl,
  stackoneApiKey,
  stackoneApiUrl,
  stackonePollOverlapSeconds,
  stackonePollSeconds,
  stackoneWebhookSecrets,
} = await import("../shared/config.ts");
const { redactUrl } = await import("../shared/notify/url-guard.ts");
const { checkSmtpUrl, describeSmtpUrl } = await import("../shared/adapters/smtp/smtp-sender.ts");
const { adminTokenPath } = await import("./admin-token.ts");
const { DEV_STACKONE_SECRET, isLoopbackHost, webhookSecrets } = await import("./exposure.ts");
const { loadRules } = await import("../shared/quirks/custom.ts");
const { ENGINES, startStack } = await import("./stack.ts");
const { StartupError } = await import("./startup-error.ts");
const { defaultDataMaxMb } = await import("./data-bounds.ts");

/** A problem the user can fix: one line on stderr, exit code 2. */
function cannotStart(reason: string): never {
  console.error(`Quirkwatch cannot start: ${reason}`);
  process.exit(2);
}

const engine = process.env.QUIRKWATCH_ENGINE || "sqlite";
const known = ENGINES.find((e) => e === engine);
if (!known)
  cannotStart(`QUIRKWATCH_ENGINE=${engine} is not an engine: use ${ENGINES.join(" or ")}`);
const dataDir = configuredDataDir();
const maxMb = process.env.DATA_MAX_MB
  ? Number(process.env.DATA_MAX_MB)
  : defaultDataMaxMb(dataDir, ["queue.db", "quirkwatch.db"]);
if (!(maxMb >= 1))
  cannotStart(`DATA_MAX_MB=${process.env.DATA_MAX_MB} is not a size in megabytes (1 or more)`);
const custom = rulesPath();
if (custom !== undefined && !existsSync(custom))
  cannotStart(`the rules file ${custom} (QUIRKWATCH_RULES) does not exist`);

let rules: ReturnType<typeof loadRules>;
let poller:
  | { apiKey: string; apiUrl: string; intervalMs: number; overlapSeconds: number }
  | undefined;
let linkDays: number;
// One address for dashboard links and reconnect links: PUBLIC_URL, or QUIRKWATCH_URL.
const publicAt = publicUrl() ?? dashboardUrl();
try {
  rules = loadRules(custom);
  linkDays = reconnectLinkDays();
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

const host = configuredHost();
const secrets = webhookSecrets(host, {
  stackone: stackoneWebhookSecrets(),
  generic: genericWebhookSecret(),
});
const allowedHosts = (process.env.ALLOWED_HOSTS ?? "")
  .split(",")
  .map((name) => name.trim())
  .filter((name) => name !== "");

// SMTP_URL holds a password: it is checked and named by host only, never printed.
const smtp = smtpUrl();
const from = emailFrom();
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
    port: configuredPort(),
    host,
    dataDir,
    engine: known,
    dynamoEndpoint: process.env.DYNAMODB_ENDPOINT || undefined,
    maxBytes: maxMb * 1024 * 1024,
    rules,
    stackoneSecrets: secrets.stackone,
    genericSecret: secrets.generic,
    webhooksOff: secrets.off,
    adminToken: adminToken(),
    allowedHosts,
    sweepIntervalMs: Number(process.env.SWEEP_INTERVAL_SECONDS ?? 60) * 1000,
    slackWebhookUrl: slackWebhookUrl(),
    slackSigningSecret: slackSigningSecret(),
    pagerdutyEventsUrl: pagerdutyEventsUrl(),
    reauthUrlTemplate: reauthUrlTemplate(),
    email,
    allowLocalUrls: allowLocalUrls(),
    stackonePoller: poller,
    publicUrl: publicAt,
    reconnectSecret: reconnectSecret(),
    reconnectLinkDays: linkDays,
  });
} catch (error) {
  if (error instanceof StartupError) cannotStart(error.message);
  throw error;
}
const slack = slackWebhookUrl();
const auth = "   (Authorization: Bearer <token>)";
const storage =
  stack.engine === "sqlite"
    ? `${dataDir}/queue.db and quirkwatch.db (SQLite; nothing accepted is lost, even on a crash; at most ${maxMb} MB each, DATA_MAX_MB)`
    : `DynamoDB ${process.env.DYNAMODB_ENDPOINT ? `at ${process.env.DYNAMODB_ENDPOINT}` : `(dynalite in ${dataDir}/dynamo)`}, with the queue and alerts in memory`;
// `npm run demo` finds this stack by itself when it listens where PORT and HOST say.
const demo =
  stack.port === configuredPort() && stack.url === `http://${host}:${stack.port}`
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

console.log(`Quirkwatch is running locally.

  Dashboard     ${dashboard}
  Webhook URL   ${stack.url}/webhooks/stackone   (generic Standard Webhooks: ${stack.url}/webhooks/generic)
  Signing       ${signing}${off.join("")}${network}
  Incidents     GET ${stack.url}/incidents${auth}
  Subscriptions POST/GET ${stack.url}/subscriptions   (Slack, webhook${allowLocalUrls() ? ": loopback and private addresses allowed (ALLOW_PRIVATE_DESTINATIONS=1)" : ""}; email: ${email ? "sent" : "to the outbox"})
  Data          ${storage}
  Alerts        printed here${slack ? `, and posted to Slack at ${redactUrl(slack)}` : " (set SLACK_WEBHOOK_URL to post them to Slack too)"}
  Email         ${email ? `sent through ${describeSmtpUrl(email.smtpUrl)} from ${email.from}, and kept at GET ${stack.url}/outbox${auth}` : `not sent: printed here and kept at GET ${stack.url}/outbox${auth} (set SMTP_URL and EMAIL_FROM to send it)`}
  Health        GET ${stack.url}/healthz; Prometheus metrics at GET ${stack.url}/metrics${auth}
  Slack buttons ${slackSigningSecret() ? `on: Slack's Request URL is <your public URL>/slack/actions` : "off (set SLACK_SIGNING_SECRET to acknowledge, mute and resolve from Slack)"}
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
