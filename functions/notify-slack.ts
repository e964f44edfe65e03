import "../shared/adapters/aws/sst-links.ts";
import type { Context, SNSEvent } from "aws-lambda";
import { createDynamoClient } from "../shared/adapters/aws/dynamo-client.ts";
import { DynamoDigestLedger } from "../shared/adapters/aws/dynamo-digests.ts";
import { DynamoSubscriptionStore } from "../shared/adapters/aws/dynamo-subscriptions.ts";
import {
  dashboardUrl,
  digestAfterPerMinute,
  reauthUrlTemplate,
  slackSigningSecret,
  slackWebhookUrl,
  tableName,
} from "../shared/config.ts";
import { recordMetricsTo } from "../shared/metrics.ts";
import { emfSink } from "../shared/metrics-emf.ts";
import { type Log, noticesOf, notifySlack, RecentDeliveries } from "../shared/notify/deliver.ts";
import { type DigestLedger, flushDigests } from "../shared/notify/digest.ts";
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
  /** The budget per channel and minute; the digests of minutes that are over go out here too. */
  digest?: { ledger: DigestLedger; budget: number; dashboardUrl?: string };
};

const logJson: Log = (message, detail) => console.error(JSON.stringify({ message, ...detail }));

export function createHandler(deps: NotifySlackDeps) {
  const recent = deps.recent ?? new RecentDeliveries();
  const log = deps.log ?? logJson;
  return async (event: SNSEvent, context: Pick<Context, "getRemainingTimeInMillis">) => {
    const remaining = () => context.getRemainingTimeInMillis();
    await notifySlack(noticesOf(event), { ...deps, recent, log }, remaining);
    // Whichever invocation comes after a minute with folded notices sends its digests.
    if (deps.digest) {
      await flushDigests({ ...deps, ...deps.digest, log }, remaining).catch((error: unknown) =>
        log("digest flush failed", { error: String(error) }),
      );
    }
  };
}

// Module-level, so a warm function keeps pacing per webhook across invocations.
let deployed: ReturnType<typeof createHandler> | undefined;
export const handler = (event: SNSEvent, context: Context) => {
  if (deployed === undefined) recordMetricsTo(emfSink());
  deployed ??= deploy();
  return deployed(event, context);
};

function deploy() {
  const dynamo = createDynamoClient();
  return createHandler({
    subscriptions: new DynamoSubscriptionStore(dynamo, tableName()),
    digest: {
      ledger: new DynamoDigestLedger(dynamo, tableName()),
      budget: digestAfterPerMinute(),
      dashboardUrl: dashboardUrl(),
    },
    poster: new SlackPoster(),
    defaultUrl: slackWebhookUrl(),
    reauthUrlTemplate: reauthUrlTemplate(),
    actions: slackSigningSecret() !== undefined,
  });
}
