import "../shared/adapters/aws/sst-links.ts";
import type { Context, SNSEvent } from "aws-lambda";
import { createDynamoClient } from "../shared/adapters/aws/dynamo-client.ts";
import { DynamoDigestLedger } from "../shared/adapters/aws/dynamo-digests.ts";
import { DynamoSubscriptionStore } from "../shared/adapters/aws/dynamo-subscriptions.ts";
import { lambdaLog } from "../shared/adapters/aws/lambda-log.ts";
import {
  type NotifierFunctionDeps,
  notifierHandler,
} from "../shared/adapters/aws/notifier-function.ts";
import { systemClock } from "../shared/clock.ts";
import {
  dashboardUrl,
  digestAfterPerMinute,
  reauthUrlTemplate,
  slackSigningSecret,
  slackWebhookUrl,
  tableName,
} from "../shared/config.ts";
import { errorText } from "../shared/log.ts";
import { recordMetricsTo } from "../shared/metrics.ts";
import { emfSink } from "../shared/metrics-emf.ts";
import { type DigestLedger, flushDigests } from "../shared/notify/digest.ts";
import { SlackPoster } from "../shared/notify/slack-delivery.ts";
import { SlackNotifier } from "../shared/notify/slack-notifier.ts";

/**
 * The Slack notifier, subscribed to the alerts topic: posts each notice to the default channel
 * and every matching Slack subscription, through the retry stage. Throws when a destination is
 * still owed the notice, so the subscription's dead-letter queue keeps it.
 */

export type NotifySlackDeps = NotifierFunctionDeps & {
  poster: SlackPoster;
  defaultUrl: string | undefined;
  reauthUrlTemplate?: string;
  /** On-call buttons: Slack's signing secret is set, so `POST /slack/actions` can verify clicks. */
  actions?: boolean;
  /** The budget per channel and minute; the digests of minutes that are over go out here too. */
  digest?: { ledger: DigestLedger; budget: number; dashboardUrl?: string };
};

export function createHandler(deps: NotifySlackDeps) {
  const log = deps.log ?? lambdaLog;
  const clock = deps.clock ?? systemClock;
  const notify = notifierHandler(new SlackNotifier({ ...deps, log, clock }), { ...deps, log });
  return async (event: SNSEvent, context: Pick<Context, "getRemainingTimeInMillis">) => {
    await notify(event, context);
    // Whichever invocation comes after a minute with folded notices sends its digests.
    if (deps.digest) {
      await flushDigests({ ...deps, ...deps.digest, log, clock }).catch((error: unknown) =>
        log.error("digest flush failed", { error: errorText(error) }),
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
