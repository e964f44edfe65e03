import type { Context, SNSEvent } from "aws-lambda";
import { createDynamoClient } from "../shared/adapters/aws/dynamo-client.ts";
import { DynamoSubscriptionStore } from "../shared/adapters/aws/dynamo-subscriptions.ts";
import {
  reauthUrlTemplate,
  slackSigningSecret,
  slackWebhookUrl,
  tableName,
} from "../shared/config.ts";
import { recordMetricsTo } from "../shared/metrics.ts";
import { emfSink } from "../shared/metrics-emf.ts";
import { type Log, noticesOf, notifySlack, RecentDeliveries } from "../shared/notify/deliver.ts";
import { SlackPoster } from "../shared/notify/slack-delivery.ts";
import type { SubscriptionStore } from "../shared/notify/subscription-store.ts";

/**
 * The Slack notifier, subscribed to the alerts topic: posts each notice to the default channel
 * and every matching Slack subscription. Throws when a destination is owed the notice, so SNS
 * and Lambda retry it and the subscription's dead-letter queue keeps what finally fails.
 */

export type NotifySlackDeps = {
  subscriptions: SubscriptionStore;
  poster: SlackPoster;
  defaultUrl: string | undefined;
  reauthUrlTemplate?: string;
  /** On-call buttons: Slack's signing secret is set, so `POST /slack/actions` can verify clicks. */
  actions?: boolean;
  recent?: RecentDeliveries;
  log?: Log;
  now?: () => Date;
};

const logJson: Log = (message, detail) => console.error(JSON.stringify({ message, ...detail }));

export function createHandler(deps: NotifySlackDeps) {
  const recent = deps.recent ?? new RecentDeliveries();
  return async (event: SNSEvent, context: Pick<Context, "getRemainingTimeInMillis">) => {
    await notifySlack(noticesOf(event), { ...deps, recent, log: deps.log ?? logJson }, () =>
      context.getRemainingTimeInMillis(),
    );
  };
}

// Module-level, so a warm function keeps pacing per webhook across invocations.
let deployed: ReturnType<typeof createHandler> | undefined;
export const handler = (event: SNSEvent, context: Context) => {
  if (deployed === undefined) recordMetricsTo(emfSink());
  deployed ??= createHandler({
    subscriptions: new DynamoSubscriptionStore(createDynamoClient(), tableName()),
    poster: new SlackPoster(),
    defaultUrl: slackWebhookUrl(),
    reauthUrlTemplate: reauthUrlTemplate(),
    actions: slackSigningSecret() !== undefined,
  });
  return deployed(event, context);
};
