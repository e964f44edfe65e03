import type { Clock } from "../clock.ts";
import type { Notice } from "../incidents/notice.ts";
import type { Logger } from "../log.ts";
import { type DigestLedger, digestEntry, minuteOf } from "./digest.ts";
import { matchesFilter } from "./filter.ts";
import type { Destination, Notifier, Outcome } from "./notifier.ts";
import { renderSlack, type SlackMessage } from "./slack.ts";
import { escapeMrkdwn } from "./slack-blocks.ts";
import type { SlackPoster, SlackPostResult } from "./slack-delivery.ts";
import type { Subscription } from "./subscription.ts";
import { redactUrl } from "./url-guard.ts";

/**
 * Slack: the default channel (SLACK_WEBHOOK_URL) gets every notice, each matching Slack
 * subscription too, each webhook URL once. A channel of ours past its budget per minute gets the
 * notice in the minute's digest instead. A subscription Slack says is gone is reported straight
 * to the default channel, never through the alerts topic, so it can never cause a loop.
 */

export type SlackDestination = Destination & { url: string };

export type SlackNotifierOptions = {
  poster: SlackPoster;
  /** The default channel; gets every notice. */
  defaultUrl: string | undefined;
  reauthUrlTemplate?: string;
  /** Internal messages carry Acknowledge / Mute 1 h / Resolve (Slack's signing secret is set). */
  actions?: boolean;
  /** The budget per channel and minute; past it, notices wait for the minute's digest. */
  digest?: { ledger: DigestLedger; budget: number };
  log: Logger;
  clock: Clock;
};

const DEFAULT_ID = "default";

/** A poster's answer as the retry stage reads it. */
export function slackOutcome(result: SlackPostResult): Outcome {
  if (result.status === "delivered") return result;
  if (result.status === "broken") return { status: "gone", reason: result.reason };
  if (!result.retryable) return { status: "refused", reason: result.reason };
  return {
    status: "retry",
    reason: result.reason,
    ...(result.retryAfterMs === undefined ? {} : { retryAfterMs: result.retryAfterMs }),
  };
}

export class SlackNotifier implements Notifier<SlackDestination> {
  readonly kind = "slack";

  constructor(private readonly options: SlackNotifierOptions) {}

  get attemptMs(): number {
    return this.options.poster.timeoutMs;
  }

  destinations(notice: Notice, subscriptions: Subscription[]): SlackDestination[] {
    const { defaultUrl } = this.options;
    const out: SlackDestination[] = defaultUrl
      ? [{ id: DEFAULT_ID, url: defaultUrl, where: { url: redactUrl(defaultUrl) } }]
      : [];
    const urls = new Set(out.map((d) => d.url));
    for (const subscription of subscriptions) {
      if (!matchesFilter(subscription.filter, notice) || urls.has(subscription.target)) continue;
      urls.add(subscription.target);
      out.push({
        id: subscription.id,
        url: subscription.target,
        subscription,
        where: { url: redactUrl(subscription.target) },
      });
    }
    return out;
  }

  /** A channel of ours past its budget gets this notice in the minute's digest instead. */
  async admit(notice: Notice, destination: SlackDestination): Promise<"send" | "skip"> {
    // A customer's channel never folds: it hears only of its own account, each on its own.
    if (audienceOf(destination) !== "internal" || !this.options.digest) return "send";
    const { ledger, budget } = this.options.digest;
    const minute = minuteOf(this.options.clock.now());
    const admitted = await ledger.admit(destination.id, minute, digestEntry(notice), budget);
    return admitted === "fold" ? "skip" : "send";
  }

  async send(notice: Notice, destination: SlackDestination): Promise<Outcome> {
    const message =
      audienceOf(destination) === "customer"
        ? renderSlack(notice, { audience: "customer" })
        : renderSlack(notice, {
            reauthUrlTemplate: this.options.reauthUrlTemplate,
            actions: this.options.actions,
          });
    return slackOutcome(await this.options.poster.post(destination.url, message));
  }

  async switchedOff(subscription: Subscription, reason: string): Promise<void> {
    if (this.options.defaultUrl === subscription.target) return;
    await tellDefaultChannel(
      this.options,
      brokenMessage(subscription, "Slack", redactUrl(subscription.target), reason),
    );
  }
}

/** The default channel is ours; a subscription filtered to the customer gets their words. */
const audienceOf = (destination: SlackDestination) =>
  destination.subscription?.filter.audience ?? "internal";

/** An internal notice, posted once straight to the default Slack channel when there is one. */
export async function tellDefaultChannel(
  slack: { poster: SlackPoster; defaultUrl: string | undefined; log: Logger },
  message: SlackMessage,
): Promise<void> {
  if (!slack.defaultUrl) return;
  const result = await slack.poster.post(slack.defaultUrl, message);
  if (result.status !== "delivered") {
    slack.log.warn("could not tell the default Slack channel about a broken destination", {
      reason: result.reason,
    });
  }
}

/** What the default channel is told when a subscription is switched off. */
export function brokenMessage(
  subscription: Subscription,
  vendor: string,
  target: string,
  reason: string,
): SlackMessage {
  const replace =
    subscription.kind === "pagerduty"
      ? "add one with a working integration key"
      : "add a working webhook";
  const text = `⚠️ Quirkwatch stopped sending to ${vendor} subscription ${subscription.id} (${target}): ${vendor} answered ${reason}. Nothing more is sent to it. Remove it with DELETE /subscriptions/${subscription.id} and ${replace} with POST /subscriptions.`;
  return {
    text,
    blocks: [
      {
        type: "section",
        block_id: "destination_broken",
        text: { type: "mrkdwn", text: escapeMrkdwn(text, 3_000) },
      },
    ],
  };
}
