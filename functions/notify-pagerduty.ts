import "../shared/adapters/aws/sst-links.ts";
import type { SNSEvent } from "aws-lambda";
import { createDynamoClient } from "../shared/adapters/aws/dynamo-client.ts";
import { DynamoSubscriptionStore } from "../shared/adapters/aws/dynamo-subscriptions.ts";
import { dashboardUrl, pagerdutyEventsUrl, slackWebhookUrl, tableName } from "../shared/config.ts";
import { recordMetricsTo } from "../shared/metrics.ts";
import { emfSink } from "../shared/metrics-emf.ts";
import {
  type Log,
  noticesOf,
  notifyPagerDuty,
  type PagerDutyNotifierDeps,
  RecentDeliveries,
} from "../shared/notify/deliver.ts";
import { SlackPoster } from "../shared/notify/slack-delivery.ts";

/**
 * The PagerDuty notifier, subscribed to the alerts topic: sends each notice as an Events API v2
 * event to every matching PagerDuty subscription. A 400 switches the destination off (and tells
 * the default Slack channel); anything else that fails throws, so SNS and Lambda retry and the
 * dead-letter queue keeps the rest.
 */

export type NotifyPagerDutyDeps = Omit<PagerDutyNotifierDeps, "recent" | "log"> & {
  recent?: RecentDeliveries;
  log?: Log;
};

const logJson: Log = (message, detail) => console.error(JSON.stringify({ message, ...detail }));

export function createHandler(deps: NotifyPagerDutyDeps) {
  const recent = deps.recent ?? new RecentDeliveries();
  return async (event: SNSEvent) => {
    await notifyPagerDuty(noticesOf(event), { ...deps, recent, log: deps.log ?? logJson });
  };
}

let deployed: ReturnType<typeof createHandler> | undefined;
export const handler = (event: SNSEvent) => {
  if (deployed === undefined) recordMetricsTo(emfSink());
  deployed ??= createHandler({
    subscriptions: new DynamoSubscriptionStore(createDynamoClient(), tableName()),
    eventsUrl: pagerdutyEventsUrl(),
    dashboardUrl: dashboardUrl(),
    slack: { poster: new SlackPoster(), defaultUrl: slackWebhookUrl() },
  });
  return deployed(event);
};
