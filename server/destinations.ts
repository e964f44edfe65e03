import type { Clock } from "../shared/clock.ts";
import type { Subscriber } from "../shared/incidents/bus.ts";
import type { Notice } from "../shared/incidents/notice.ts";
import type { Logger } from "../shared/log.ts";
import { type DigestLedger, flushDigests } from "../shared/notify/digest.ts";
import type { Destination, Notifier } from "../shared/notify/notifier.ts";
import { PagerDutyNotifier } from "../shared/notify/pagerduty-notifier.ts";
import { DELIVERY_RETRY, deliver, RecentDeliveries } from "../shared/notify/retry-stage.ts";
import { SlackPoster, type SlackPosterOptions } from "../shared/notify/slack-delivery.ts";
import { SlackNotifier } from "../shared/notify/slack-notifier.ts";
import type { SubscriptionStore } from "../shared/notify/subscription-store.ts";
import { WebhookNotifier } from "../shared/notify/webhook-notifier.ts";
import type { RetryPolicy } from "../shared/retry.ts";

/**
 * Slack, webhook and PagerDuty delivery on one machine: the notifiers the functions use, each
 * behind the one retry stage, run as subscribers of the outbox (or the in-process topic). What
 * the stage cannot deliver is dead-lettered there, as the notifiers' dead-letter queues do when
 * deployed.
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
  log: Logger;
  clock: Clock;
  /** Tests make Slack's pacing fast. */
  slack?: SlackPosterOptions;
  /** The retry stage's policy; one machine's by default. */
  retry?: RetryPolicy;
  /** The budget per Slack channel and minute, and where it is counted. */
  digest?: { ledger: DigestLedger; budget: number; dashboardUrl?: string };
};

/** A subscriber that sends each notice through the retry stage to `notifier`'s destinations. */
export function stageSubscriber<D extends Destination>(
  name: string,
  notifier: Notifier<D>,
  deps: {
    subscriptions: SubscriptionStore;
    log: Logger;
    clock: Clock;
    retry?: RetryPolicy;
  },
): Subscriber {
  const recent = new RecentDeliveries();
  return {
    name,
    deliver: (notice: Notice) =>
      deliver([notice], notifier, {
        subscriptions: deps.subscriptions,
        recent,
        log: deps.log,
        policy: deps.retry ?? DELIVERY_RETRY.singleNode,
        clock: deps.clock,
      }),
  };
}

/**
 * The Slack, webhook and PagerDuty subscribers, and the task that sends the digests of minutes
 * that are over (with the same Slack poster, so pacing holds across both).
 */
export function localDelivery(options: LocalDeliveryOptions) {
  const log = options.log;
  // One poster for the life of the stack: pacing per webhook holds across notices.
  const poster = new SlackPoster(options.slack);
  const digest = options.digest;
  const flush = async () =>
    digest
      ? flushDigests({
          ledger: digest.ledger,
          subscriptions: options.subscriptions,
          poster,
          defaultUrl: options.slackWebhookUrl,
          dashboardUrl: digest.dashboardUrl ?? options.dashboardUrl,
          log: log.child({ scope: "digest" }),
          clock: options.clock,
        })
      : 0;
  const stage = { ...options, log };
  const subscribers: Subscriber[] = [
    stageSubscriber(
      "slack",
      new SlackNotifier({
        poster,
        defaultUrl: options.slackWebhookUrl,
        reauthUrlTemplate: options.reauthUrlTemplate,
        actions: options.slackSigningSecret !== undefined,
        digest,
        log,
        clock: options.clock,
      }),
      stage,
    ),
    stageSubscriber("webhook", new WebhookNotifier({ allowLocal: options.allowLocalUrls }), stage),
    stageSubscriber(
      "pagerduty",
      new PagerDutyNotifier({
        eventsUrl: options.pagerdutyEventsUrl,
        dashboardUrl: options.dashboardUrl,
        slack: { poster, defaultUrl: options.slackWebhookUrl },
        log,
      }),
      stage,
    ),
  ];
  return { subscribers, flush };
}

/** How often the local stack looks for digests to send: a minute's digest follows within it. */
export const DIGEST_FLUSH_MS = 5_000;
