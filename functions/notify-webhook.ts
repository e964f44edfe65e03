import "../shared/adapters/aws/sst-links.ts";
import type { Context, SNSEvent } from "aws-lambda";
import { createDynamoClient } from "../shared/adapters/aws/dynamo-client.ts";
import { DynamoSubscriptionStore } from "../shared/adapters/aws/dynamo-subscriptions.ts";
import {
  type NotifierFunctionDeps,
  notifierHandler,
} from "../shared/adapters/aws/notifier-function.ts";
import { allowLocalUrls, tableName } from "../shared/config.ts";
import { recordMetricsTo } from "../shared/metrics.ts";
import { emfSink } from "../shared/metrics-emf.ts";
import type { DeliveryOptions } from "../shared/notify/customer-webhook.ts";
import { WebhookNotifier } from "../shared/notify/webhook-notifier.ts";

/**
 * The customer webhook notifier, subscribed to the alerts topic: sends each notice, signed with
 * Standard Webhooks, to every matching webhook subscription, through the retry stage. A 410
 * switches the destination off; what is still owed throws, and the dead-letter queue keeps it.
 */

export type NotifyWebhookDeps = NotifierFunctionDeps & { delivery: DeliveryOptions };

export function createHandler(deps: NotifyWebhookDeps) {
  return notifierHandler(new WebhookNotifier(deps.delivery), deps);
}

let deployed: ReturnType<typeof createHandler> | undefined;
export const handler = (event: SNSEvent, context: Context) => {
  if (deployed === undefined) recordMetricsTo(emfSink());
  deployed ??= createHandler({
    subscriptions: new DynamoSubscriptionStore(createDynamoClient(), tableName()),
    delivery: { allowLocal: allowLocalUrls() },
  });
  return deployed(event, context);
};
