import type { Subscriber } from "../shared/incidents/bus.ts";
import {
  type Log,
  notifyPagerDuty,
  notifySlack,
  notifyWebhooks,
  RecentDeliveries,
} from "../shared/notify/deliver.ts";
import { type DigestLedger, flushDigests } from "../shared/notify/digest.ts";
import { SlackPoster, type SlackPosterOptions } from "../shared/notify/slack-delivery.ts";
import type { SubscriptionStore } from "../shared/notify/subscription-store.ts";

/**
 * Slack, webhook and PagerDuty delivery in the local stack: the notifier Lambdas' own code, run as
 * subscribers of the in-process alerts topic. A delivery that throws is retried by the bus and
 * dead-lettered there, as SNS and the notifiers' dead-letter queues do when deployed.
 */

export type LocalDeliveryOptions = {
  subscriptions: SubscriptionStore;
  /** The default Slack channel (SLACK_WEBHOOK_URL); gets every notice. */
  slackWebhookUrl?: string;
  /** Slack notices carry action buttons when set. */
  slackSigningSecret?: string;
  pagerdutyEventsUrl: string;
  dashboardUrl?: string;
  reauthUrlTemplate?: string;
  allowLocalUrls: boolean;
  log: (line: string) => void;
  now?: () => Date;
  /** Tests make Slack's retries fast. */
  slack?: SlackPosterOptions;
  /** The budget per Slack channel and minute, and where it is counted. */
  digest?: { ledger: DigestLedger; budget: number; dashboardUrl?: string };
};

/** Each delivery gets as long as a notifier Lambda would (its timeout). */
const DELIVERY_BUDGET_MS = 30_000;

function budget(): () => number {
  const deadline = Date.now() + DELIVERY_BUDGET_MS;
  return () => deadline - Date.now();
}

export function deliverySubscribers(options: LocalDeliveryOptions): Subscriber[] {
  return localDelivery(options).subscribers;
}

/**
 * The Slack and webhook subscribers, and the task that sends the digests of minutes that are
 * over (with the same Slack poster, so pacing holds across both).
 */
export function localDelivery(options: LocalDeliveryOptions) {
  const logAs =
    (who: string): Log =>
    (message, detail) =>
      options.log(`${who}: ${message}${detail ? ` ${JSON.stringify(detail)}` : ""}`);
  // One poster for the life of the stack: pacing per webhook holds across notices.
  const poster = new SlackPoster(options.slack);
  const slackRecent = new RecentDeliveries();
  const webhookRecent = new RecentDeliveries();
  const digest = options.digest;
  const flush = async () =>
    digest
      ? flushDigests(
          {
            ledger: digest.ledger,
            subscriptions: options.subscriptions,
            poster,
            defaultUrl: options.slackWebhookUrl,
            dashboardUrl: digest.dashboardUrl ?? options.dashboardUrl,
            log: logAs("digest"),
            now: options.now,
          },
          budget(),
        )
      : 0;
  const pagerDutyRecent = new RecentDeliveries();
  const subscribers: Subscriber[] = [
    {
      name: "slack",
      deliver: (notice) =>
        notifySlack(
          [notice],
          {
            subscriptions: options.subscriptions,
            poster,
            defaultUrl: options.slackWebhookUrl,
            reauthUrlTemplate: options.reauthUrlTemplate,
            actions: options.slackSigningSecret !== undefined,
            recent: slackRecent,
            log: logAs("slack"),
            now: options.now,
            digest,
          },
          budget(),
        ),
    },
    {
      name: "webhook",
      deliver: (notice) =>
        notifyWebhooks([notice], {
          subscriptions: options.subscriptions,
          delivery: { allowLocal: options.allowLocalUrls },
          recent: webhookRecent,
          log: logAs("webhook"),
          now: options.now,
        }),
    },
    {
      name: "pagerduty",
      deliver: (notice) =>
        notifyPagerDuty([notice], {
          subscriptions: options.subscriptions,
          eventsUrl: options.pagerdutyEventsUrl,
          dashboardUrl: options.dashboardUrl,
          slack: { poster, defaultUrl: options.slackWebhookUrl },
          recent: pagerDutyRecent,
          log: logAs("pagerduty"),
          now: options.now,
        }),
    },
  ];
  return { subscribers, flush };
}

/** How often the local stack looks for digests to send: a minute's digest follows within it. */
export const DIGEST_FLUSH_MS = 5_000;
