import { execFileSync } from "node:child_process";
import { ROUTES, routeKeys } from "../shared/api/route.ts";
import { PACKAGED_PAGE_DIR } from "../shared/config.ts";
import { alerts, pagerdutyEventsUrl, reauthUrlTemplate } from "./alerts.ts";
import { emailSending } from "./email.ts";
import { ITEM_READS_WRITES, quirkwatchFunction, tableAccess } from "./function-defaults.ts";
import { FUNCTION_MEMORY_MB, megabytes } from "./function-sizes.ts";
import { api } from "./http-api.ts";
import { events } from "./queue.ts";
import { reconnectEnvironment, reconnectLinks } from "./reconnect.ts";
import {
  adminToken,
  genericWebhookSecret,
  slackSigningSecret,
  stackoneApiKey,
  stackoneWebhookSecret,
  stackoneWebhookSecretPrevious,
} from "./secrets.ts";
import { table } from "./storage.ts";

/**
 * Ingest's ceiling on concurrent invocations, and its throttle: past it, Lambda answers 429 before
 * any code runs (StackOne and forwarders retry a 429), and a flood cannot take the account's pool.
 */
export const INGEST_CONCURRENCY = 50;

/**
 * On the sender's clock: verify, validate, enqueue, answer. The poller's StackOne key reads an
 * account's status when an `account.updated` carries none.
 *
 * Webhooks come straight to its function URL: the signature is the authentication, so API
 * Gateway in front added $1.00 per million requests and nothing else. The HTTP API keeps its
 * `POST /webhooks/{source}` route, so senders set up before the function URL keep working.
 */
export const ingest = quirkwatchFunction("Ingest", {
  handler: "functions/ingest.handler",
  memory: megabytes(FUNCTION_MEMORY_MB.ingest),
  timeout: "10 seconds",
  link: [
    events,
    stackoneWebhookSecret,
    stackoneWebhookSecretPrevious,
    genericWebhookSecret,
    stackoneApiKey,
  ],
  // Internet-facing: it may put events on the queue, and nothing else.
  permissions: [{ actions: ["sqs:SendMessage"], resources: [events.arn] }],
  // Servers post here, never web pages: no CORS.
  url: { cors: false },
  transform: { function: { reservedConcurrentExecutions: INGEST_CONCURRENCY } },
});

/**
 * The dashboard (`GET /`), built now into dist/page/index.html and shipped inside the API
 * function's package: one self-contained file the function reads on its first `GET /`.
 */
function dashboard(): Pick<sst.aws.FunctionArgs, "copyFiles"> {
  execFileSync(process.execPath, ["--import", "tsx", "scripts/build-page.ts"], {
    stdio: "inherit",
  });
  return { copyFiles: [{ from: "dist/page/index.html", to: "page/index.html" }] };
}

/**
 * Admin API, dashboard and Slack's action clicks; email subscriptions become SNS subscriptions on
 * Alerts (or, with EMAIL_FROM, are sent through SES, and "send test" sends one), and the notices
 * on-call actions decide (resolve, a mute ending) are published there. A click on a reconnect
 * link (`GET /reconnect/{token}`) makes a StackOne connect session with the API key.
 */
export const apiHandler = quirkwatchFunction("ApiHandler", {
  handler: "functions/api.handler",
  memory: megabytes(FUNCTION_MEMORY_MB.api),
  timeout: "10 seconds",
  link: [table, adminToken, alerts, slackSigningSecret, stackoneApiKey, ...reconnectLinks],
  permissions: [
    ...tableAccess(table, [...ITEM_READS_WRITES, "dynamodb:Query"]),
    {
      // Email subscriptions are SNS subscriptions; on-call actions publish what they decide.
      actions: [
        "sns:Subscribe",
        "sns:Unsubscribe",
        "sns:GetSubscriptionAttributes",
        "sns:SetSubscriptionAttributes",
        "sns:Publish",
      ],
      resources: [alerts.arn],
    },
    // "Send test" on an email subscription, when email goes through SES.
    ...emailSending.permissions,
  ],
  environment: {
    QUIRKWATCH_PAGE_DIR: PACKAGED_PAGE_DIR,
    ...reconnectEnvironment(),
    ...(reauthUrlTemplate ? { REAUTH_URL_TEMPLATE: reauthUrlTemplate } : {}),
    ...emailSending.environment,
    // A PagerDuty subscription's "send test".
    ...(pagerdutyEventsUrl ? { PAGERDUTY_EVENTS_URL: pagerdutyEventsUrl } : {}),
  },
  ...dashboard(),
});

export { api };

// Every route of the table, to the function of its service; `GET /outbox` and the other
// routes only the single node has are not in it.
const functions = { ingest: ingest.arn, admin: apiHandler.arn };
for (const key of routeKeys()) api.route(key, functions[ROUTES[key].service]);
