import "../shared/adapters/aws/sst-links.ts";
import type { Context, SNSEvent } from "aws-lambda";
import { createDynamoClient } from "../shared/adapters/aws/dynamo-client.ts";
import { DynamoSubscriptionStore } from "../shared/adapters/aws/dynamo-subscriptions.ts";
import { lambdaLog } from "../shared/adapters/aws/lambda-log.ts";
import {
  type NotifierFunctionDeps,
  notifierHandler,
} from "../shared/adapters/aws/notifier-function.ts";
import { dashboardUrl, pagerdutyEventsUrl, slackWebhookUrl, tableName } from "../shared/config.ts";
import { recordMetricsTo } from "../shared/metrics.ts";
import { emfSink } from "../shared/metrics-emf.ts";
import {
  PagerDutyNotifier,
  type PagerDutyNotifierOptions,
} from "../shared/notify/pagerduty-notifier.ts";
import { SlackPoster } from "../shared/notify/slack-delivery.ts";

/**
 * The PagerDuty notifier, subscribed to the alerts topic: sends each notice as an Events API v2
 * event to every matching PagerDuty subscription, through the retry stage. A 400 switches the
 * destination off (and tells the default Slack channel); what is still owed throws, and the
 * dead-letter queue keeps it.
 */

export type NotifyPagerDutyDeps = NotifierFunctionDeps & Omit<PagerDutyNotifierOptions, "log">;

export function createHandler(deps: NotifyPagerDutyDeps) {
  const log = deps.log ?? lambdaLog;
  return notifierHandler(new PagerDutyNotifier({ ...deps, log }), { ...deps, log });
}

let deployed: ReturnType<typeof createHandler> | undefined;
export const handler = (event: SNSEvent, context: Context) => {
  if (deployed === undefined) recordMetricsTo(emfSink());
  deployed ??= createHandler({
    subscriptions: new DynamoSubscriptionStore(createDynamoClient(), tableName()),
    eventsUrl: pagerdutyEventsUrl(),
    dashboardUrl: dashboardUrl(),
    slack: { poster: new SlackPoster(), defaultUrl: slackWebhookUrl() },
  });
  return deployed(event, context);
};
