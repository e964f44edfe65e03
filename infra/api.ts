import { alerts } from "./alerts.ts";
import { quirkwatchFunction } from "./function-defaults.ts";
import { events } from "./queue.ts";
import {
  adminToken,
  genericWebhookSecret,
  stackoneWebhookSecret,
  stackoneWebhookSecretPrevious,
} from "./secrets.ts";
import { table } from "./storage.ts";

/** On the sender's clock: verify, validate, enqueue, answer. More memory, faster cold start. */
export const ingest = quirkwatchFunction("Ingest", {
  handler: "functions/ingest.handler",
  memory: "1024 MB",
  timeout: "10 seconds",
  link: [events, stackoneWebhookSecret, stackoneWebhookSecretPrevious, genericWebhookSecret],
});

/** Admin API; email subscriptions become SNS subscriptions on Alerts. */
export const apiHandler = quirkwatchFunction("ApiHandler", {
  handler: "functions/api.handler",
  memory: "512 MB",
  timeout: "10 seconds",
  link: [table, adminToken, alerts],
});

// Servers call this API, not browsers: no CORS.
export const api = new sst.aws.ApiGatewayV2("Api", { cors: false });

api.route("POST /webhooks/{source}", ingest.arn);
// One function serves every admin route; `GET /outbox` is local-only and not routed here.
for (const route of [
  "GET /incidents",
  "GET /incidents/{id}",
  "POST /subscriptions",
  "GET /subscriptions",
  "DELETE /subscriptions/{id}",
]) {
  api.route(route, apiHandler.arn);
}
