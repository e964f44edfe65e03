import type { Notice } from "../incidents/notice.ts";
import type { Logger } from "../log.ts";
import { type Destination, matchingDestinations, type Notifier, type Outcome } from "./notifier.ts";
import {
  type PagerDutyOptions,
  pagerDutyEvent,
  redactRoutingKey,
  sendPagerDuty,
} from "./pagerduty.ts";
import type { SlackPoster } from "./slack-delivery.ts";
import { brokenMessage, tellDefaultChannel } from "./slack-notifier.ts";
import type { Subscription } from "./subscription.ts";

/**
 * PagerDuty Events API v2: one event per notice and subscription. A 400 means PagerDuty will
 * never take this routing key: the subscription is switched off once, and the default Slack
 * channel told.
 */

export type PagerDutyNotifierOptions = {
  /** PAGERDUTY_EVENTS_URL: the Events API v2 endpoint (the EU one, or a test's). */
  eventsUrl: string;
  /** Where the dashboard is, for the event's link; none when unknown. */
  dashboardUrl?: string;
  /** Where a switched-off destination is reported: the default Slack channel, when there is one. */
  slack?: { poster: SlackPoster; defaultUrl: string | undefined };
  pagerDuty?: PagerDutyOptions;
  log: Logger;
};

export class PagerDutyNotifier implements Notifier {
  readonly kind = "pagerduty";
  readonly attemptMs: number;

  constructor(private readonly options: PagerDutyNotifierOptions) {
    this.attemptMs = options.pagerDuty?.timeoutMs ?? 5_000;
  }

  destinations(notice: Notice, subscriptions: Subscription[]): Destination[] {
    return matchingDestinations(notice, subscriptions, (s) => ({
      routing_key: redactRoutingKey(s.target),
    }));
  }

  async send(notice: Notice, destination: Destination): Promise<Outcome> {
    const routingKey = destination.subscription?.target ?? "";
    const event = pagerDutyEvent(notice, routingKey, this.options.dashboardUrl);
    const result = await sendPagerDuty(this.options.eventsUrl, event, this.options.pagerDuty);
    if (result.status === "delivered") return { status: "delivered" };
    if (result.status === "broken") return { status: "gone", reason: result.reason };
    return { status: "retry", reason: result.reason };
  }

  async switchedOff(subscription: Subscription, reason: string): Promise<void> {
    if (!this.options.slack) return;
    const target = `routing key ${redactRoutingKey(subscription.target)}`;
    await tellDefaultChannel(
      { ...this.options.slack, log: this.options.log },
      brokenMessage(subscription, "PagerDuty", target, reason),
    );
  }
}
