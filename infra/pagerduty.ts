import { alertSubscriber, pagerdutyEventsUrl } from "./alerts.ts";
import { api } from "./api.ts";
import { FUNCTION_MEMORY_MB, megabytes } from "./function-sizes.ts";
import { slackWebhookUrl } from "./secrets.ts";
import { table } from "./storage.ts";

/**
 * PagerDuty subscriptions: each notice as an Events API v2 event. A routing key PagerDuty refuses
 * is reported straight to the default Slack channel. Its events link to the dashboard, so it is
 * defined once the API (and its URL) is.
 */
export const notifyPagerduty = alertSubscriber("NotifyPagerduty", {
  handler: "functions/notify-pagerduty.handler",
  memory: megabytes(FUNCTION_MEMORY_MB.notifyPagerduty),
  timeout: "30 seconds",
  link: [table, slackWebhookUrl],
  environment: {
    QUIRKWATCH_URL: api.url,
    ...(pagerdutyEventsUrl ? { PAGERDUTY_EVENTS_URL: pagerdutyEventsUrl } : {}),
  },
});
