import { notifySlack, notifyWebhook, ops } from "./alerts.ts";
import { apiHandler, ingest } from "./api.ts";
import { sweeper } from "./cron.ts";
import { notifyEmail } from "./email.ts";
import { metricsNamespace } from "./function-defaults.ts";
import { notifyPagerduty } from "./pagerduty.ts";
import { poller } from "./poller.ts";
import { EVENTS_MAX_RECEIVES, eventsDlq, processor } from "./queue.ts";

/** SQS and Lambda publish these metrics every minute; a shorter period costs nothing more. */
const ONE_MINUTE = 60;

type AlarmArgs = Pick<
  aws.cloudwatch.MetricAlarmArgs,
  "namespace" | "metricName" | "dimensions" | "statistic" | "period" | "evaluationPeriods"
> & { description: string; threshold: number };

/**
 * An alarm on one metric going above `threshold`, emailed to ops when it starts and when it
 * ends. Missing data is healthy: these metrics are only published when something happens.
 */
function opsAlarm(name: string, { description, ...metric }: AlarmArgs) {
  new aws.cloudwatch.MetricAlarm(name, {
    alarmDescription: description,
    ...metric,
    comparisonOperator: "GreaterThanThreshold",
    treatMissingData: "notBreaching",
    alarmActions: [ops.arn],
    okActions: [ops.arn],
  });
}

const deadLetterQueues = {
  EventsDlq: {
    queue: eventsDlq,
    meaning: `Events the processor failed ${EVENTS_MAX_RECEIVES} times`,
  },
  NotifySlackDlq: { queue: notifySlack.dlq, meaning: "Notices Slack delivery lost" },
  NotifyWebhookDlq: { queue: notifyWebhook.dlq, meaning: "Notices webhook delivery lost" },
  NotifyPagerdutyDlq: { queue: notifyPagerduty.dlq, meaning: "Notices PagerDuty delivery lost" },
  ...(notifyEmail && {
    NotifyEmailDlq: { queue: notifyEmail.dlq, meaning: "Notices email delivery lost" },
  }),
};

for (const [name, { queue, meaning }] of Object.entries(deadLetterQueues)) {
  opsAlarm(`${name}NotEmpty`, {
    description: `${meaning} are waiting in ${name}. Read them, fix the cause, then redrive them from the SQS console.`,
    namespace: "AWS/SQS",
    metricName: "ApproximateNumberOfMessagesVisible",
    dimensions: { QueueName: queue.nodes.queue.name },
    statistic: "Maximum",
    period: ONE_MINUTE,
    evaluationPeriods: 1,
    threshold: 0,
  });
}

const functions = {
  Ingest: ingest,
  Processor: processor,
  Sweeper: sweeper,
  NotifySlack: notifySlack.fn,
  NotifyWebhook: notifyWebhook.fn,
  NotifyPagerduty: notifyPagerduty.fn,
  ...(notifyEmail && { NotifyEmail: notifyEmail.fn }),
  ApiHandler: apiHandler,
  RequestLogPoller: poller,
};

for (const [name, fn] of Object.entries(functions)) {
  opsAlarm(`${name}Errors`, {
    description: `The ${name} function failed. Its CloudWatch logs say why.`,
    namespace: "AWS/Lambda",
    metricName: "Errors",
    dimensions: { FunctionName: fn.name },
    statistic: "Sum",
    period: ONE_MINUTE,
    evaluationPeriods: 1,
    threshold: 0,
  });
}

/** Quirkwatch's own counters (shared/metrics.ts), from the functions' EMF log lines. */
const FIVE_MINUTES = 300;

// Deliveries that failed in two 5-minute windows running: a destination down for longer than
// retries cover (its notices head for a dead-letter queue), or a notifier broken by a deploy.
opsAlarm("NoticesFailing", {
  description:
    "Notices keep failing to reach Slack, webhooks or PagerDuty. The notifier functions' logs name the destination and its answer.",
  namespace: metricsNamespace,
  metricName: "notices_sent",
  dimensions: { outcome: "failed" },
  statistic: "Sum",
  period: FIVE_MINUTES,
  evaluationPeriods: 2,
  threshold: 0,
});

// Webhooks refused in bulk: a secret rotated on one side only, or a sender whose payloads
// changed. A few strays (a scanner, one bad request) stay under the threshold.
opsAlarm("EventsRejected", {
  description:
    "More than 20 webhook requests were refused in 5 minutes. The Ingest function's logs say why (signature, schema); check the signing secret first.",
  namespace: metricsNamespace,
  metricName: "events_rejected",
  statistic: "Sum",
  period: FIVE_MINUTES,
  evaluationPeriods: 1,
  threshold: 20,
});
