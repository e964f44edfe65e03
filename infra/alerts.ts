import { deadLetterQueue } from "./dead-letter-queue.ts";
import {
  ITEM_READS_WRITES,
  type Permission,
  type QuirkwatchFunctionArgs,
  quirkwatchFunction,
  tableAccess,
} from "./function-defaults.ts";
import { FUNCTION_MEMORY_MB, megabytes } from "./function-sizes.ts";
import { retainsData } from "./retention.ts";
import { slackSigningSecret, slackWebhookUrl } from "./secrets.ts";
import { table } from "./storage.ts";

/**
 * One message per notice and audience (`audience` attribute: internal, and customer when the
 * customer must act); the notifiers take the internal one, so each notice reaches them once.
 */
export const alerts = new sst.aws.SnsTopic("Alerts", {
  transform: {
    topic: (_args, opts) => {
      opts.retainOnDelete = retainsData();
    },
  },
});

/** Quirkwatch's own trouble (the alarms), kept apart from the alerts it sends customers. */
export const ops = new sst.aws.SnsTopic("Ops");

const opsEmail = process.env.QUIRKWATCH_OPS_EMAIL?.trim();
if (opsEmail) {
  // SNS emails a confirmation link first; nothing arrives until it is clicked.
  new aws.sns.TopicSubscription("OpsEmail", {
    topic: ops.arn,
    protocol: "email",
    endpoint: opsEmail,
  });
}

export type { Permission };

/**
 * A notifier subscribed to Alerts with its own dead-letter queue, which catches both ways a
 * notice can be lost: SNS failing to invoke the function (the subscription's redrive policy) and
 * the function failing after Lambda's two retries (the function's dead-letter config).
 */
/** `permissions`: what the notifier may do besides the table and its dead-letter queue. */
export function alertSubscriber(
  name: string,
  args: Omit<QuirkwatchFunctionArgs, "permissions">,
  permissions: Permission[] = [],
) {
  const dlq = deadLetterQueue(`${name}Dlq`);
  const fn = quirkwatchFunction(name, {
    ...args,
    permissions: [
      // Subscriptions, and switching off a destination that is gone.
      ...tableAccess(table, [...ITEM_READS_WRITES, "dynamodb:Query"]),
      // Lambda sends an event the function failed on to its dead-letter queue with its role.
      { actions: ["sqs:SendMessage"], resources: [dlq.arn] },
      ...permissions,
    ],
    transform: {
      function: {
        deadLetterConfig: { targetArn: dlq.arn },
        reservedConcurrentExecutions: NOTIFIER_CONCURRENCY,
      },
    },
  });
  // SNS may send to the queue only on behalf of the Alerts topic.
  new aws.sqs.QueuePolicy(`${name}DlqPolicy`, {
    queueUrl: dlq.url,
    policy: $jsonStringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "sns.amazonaws.com" },
          Action: "sqs:SendMessage",
          Resource: dlq.arn,
          Condition: { ArnEquals: { "aws:SourceArn": alerts.arn } },
        },
      ],
    }),
  });
  alerts.subscribe(name, fn.arn, {
    filter: { audience: ["internal"] },
    transform: {
      subscription: { redrivePolicy: $jsonStringify({ deadLetterTargetArn: dlq.arn }) },
    },
  });
  return { fn, dlq };
}

/** Concurrency kept for each notifier, as PROCESSOR_CONCURRENCY is for the processor. */
export const NOTIFIER_CONCURRENCY = 5;

/** e.g. `https://app.example.com/integrations/{account_id}/reconnect`, set when deploying. */
export const reauthUrlTemplate = process.env.REAUTH_URL_TEMPLATE?.trim();
/** e.g. https://events.eu.pagerduty.com/v2/enqueue for PagerDuty's EU service region. */
export const pagerdutyEventsUrl = process.env.PAGERDUTY_EVENTS_URL?.trim();

export const notifySlack = alertSubscriber("NotifySlack", {
  handler: "functions/notify-slack.handler",
  memory: megabytes(FUNCTION_MEMORY_MB.notifySlack),
  timeout: "30 seconds",
  // A broken destination is reported straight to the default channel, never via Alerts (no loop).
  // With Slack's signing secret set, messages carry on-call buttons.
  link: [table, slackWebhookUrl, slackSigningSecret],
  environment: reauthUrlTemplate ? { REAUTH_URL_TEMPLATE: reauthUrlTemplate } : {},
});

export const notifyWebhook = alertSubscriber("NotifyWebhook", {
  handler: "functions/notify-webhook.handler",
  memory: megabytes(FUNCTION_MEMORY_MB.notifyWebhook),
  timeout: "30 seconds",
  link: [table],
});
