import "../shared/adapters/aws/sst-links.ts";
import type { SNSEvent } from "aws-lambda";
import { createDynamoClient } from "../shared/adapters/aws/dynamo-client.ts";
import { DynamoSubscriptionStore } from "../shared/adapters/aws/dynamo-subscriptions.ts";
import { allowLocalUrls, tableName } from "../shared/config.ts";
import { recordMetricsTo } from "../shared/metrics.ts";
import { emfSink } from "../shared/metrics-emf.ts";
import type { DeliveryOptions } from "../shared/notify/customer-webhook.ts";
import { type Log, noticesOf, notifyWebhooks, RecentDeliveries } from "../shared/notify/deliver.ts";
import type { SubscriptionStore } from "../shared/notify/subscription-store.ts";

/**
 * The customer webhook notifier, subscribed to the alerts topic: sends each notice, signed with
 * Standard Webhooks, to every matching webhook subscription. A 410 disables the destination;
 * any other failure throws, so SNS and Lambda retry and the dead-letter queue keeps the rest.
 */

export type NotifyWebhookDeps = {
  subscriptions: SubscriptionStore;
  delivery: DeliveryOptions;
  recent?: RecentDeliveries;
  log?: Log;
  now?: () => Date;
};

const logJson: Log = (message, detail) => console.error(JSON.stringify({ message, ...detail }));

export function createHandler(deps: NotifyWebhookDeps) {
  const recent = deps.recent ?? new RecentDeliveries();
  return async (event: SNSEvent) => {
    await notifyWebhooks(noticesOf(event), { ...deps, recent, log: deps.log ?? logJson });
  };
}

let deployed: ReturnType<typeof createHandler> | undefined;
export const handler = (event: SNSEvent) => {
  if (deployed === undefined) recordMetricsTo(emfSink());
  deployed ??= createHandler({
    subscriptions: new DynamoSubscriptionStore(createDynamoClient(), tableName()),
    delivery: { allowLocal: allowLocalUrls() },
  });
  return deployed(event);
};
