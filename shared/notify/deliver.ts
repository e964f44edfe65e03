import { forEachLimit } from "../concurrency.ts";
import type { Notice } from "../incidents/notice.ts";
import { count } from "../metrics.ts";
import { type DeliveryOptions, deliverCustomerWebhook } from "./customer-webhook.ts";
import { type DigestLedger, digestEntry, minuteOf } from "./digest.ts";
import { matchesFilter } from "./filter.ts";
import {
  type PagerDutyOptions,
  pagerDutyEvent,
  redactRoutingKey,
  sendPagerDuty,
} from "./pagerduty.ts";
import { escapeMrkdwn, renderSlack, type SlackMessage } from "./slack.ts";
import type { RemainingTime, SlackPoster } from "./slack-delivery.ts";
import type { Subscription } from "./subscription.ts";
import type { SubscriptionStore } from "./subscription-store.ts";
import { redactUrl } from "./url-guard.ts";

/**
 * Delivery of one notice to every matching Slack or webhook destination, shared by the notifier
 * Lambdas and the local stack. Anything not delivered that may work later makes the call throw,
 * so the notice is retried (SNS, then the dead-letter queue); a destination that says it is gone
 * is marked broken once and skipped from then on.
 */

/** The notices an SNS event carries: each record's message is the `lambda` body, a notice. */
export function noticesOf(event: { Records: { Sns: { Message: string } }[] }): Notice[] {
  return event.Records.map((record) => JSON.parse(record.Sns.Message) as Notice);
}

export type Log = (message: string, detail?: Record<string, unknown>) => void;

/** Thrown when some destinations should get the notice again later. */
export class DeliveryFailed extends Error {
  override name = "DeliveryFailed";
}

/**
 * Which (notice, destination) pairs were delivered lately. A retried notice then goes only to
 * the destinations that did not get it: fewer duplicates, never fewer deliveries.
 */
export class RecentDeliveries {
  private readonly keys = new Set<string>();
  constructor(private readonly max = 5_000) {}

  has(noticeId: string, destination: string): boolean {
    return this.keys.has(`${noticeId}\n${destination}`);
  }

  add(noticeId: string, destination: string): void {
    const key = `${noticeId}\n${destination}`;
    this.keys.add(key);
    // Sets iterate in insertion order: the oldest goes first.
    for (const oldest of this.keys) {
      if (this.keys.size <= this.max) break;
      this.keys.delete(oldest);
    }
  }
}

export type SlackNotifierDeps = {
  subscriptions: SubscriptionStore;
  poster: SlackPoster;
  /** The default channel (the SlackWebhookUrl secret); gets every notice. */
  defaultUrl: string | undefined;
  reauthUrlTemplate?: string;
  /** Internal messages carry Acknowledge / Mute 1 h / Resolve (Slack's signing secret is set). */
  actions?: boolean;
  recent: RecentDeliveries;
  log: Log;
  now?: () => Date;
  /** The budget per channel and minute; past it, notices wait for the minute's digest. */
  digest?: { ledger: DigestLedger; budget: number };
};

export type WebhookNotifierDeps = {
  subscriptions: SubscriptionStore;
  delivery: DeliveryOptions;
  recent: RecentDeliveries;
  log: Log;
  now?: () => Date;
};

export type PagerDutyNotifierDeps = {
  subscriptions: SubscriptionStore;
  /** PAGERDUTY_EVENTS_URL: the Events API v2 endpoint (the EU one, or a test's). */
  eventsUrl: string;
  /** Where the dashboard is, for the event's link; none when unknown. */
  dashboardUrl?: string;
  /** Where a switched-off destination is reported: the default Slack channel, when there is one. */
  slack?: { poster: SlackPoster; defaultUrl: string | undefined };
  pagerDuty?: PagerDutyOptions;
  recent: RecentDeliveries;
  log: Log;
  now?: () => Date;
};

/** Destinations are delivered to this many at a time. */
const CONCURRENCY = 8;
const DEFAULT_ID = "default";

type SlackDestination = { id: string; url: string; subscription?: Subscription };

function matching(subscriptions: Subscription[], notice: Notice): Subscription[] {
  return subscriptions.filter(
    (s) => s.broken_reason === undefined && matchesFilter(s.filter, notice),
  );
}

/** The matching Slack destinations, each webhook URL once: the default first. */
function slackDestinations(
  subscriptions: Subscription[],
  notice: Notice,
  defaultUrl: string | undefined,
): SlackDestination[] {
  const out: SlackDestination[] = defaultUrl ? [{ id: DEFAULT_ID, url: defaultUrl }] : [];
  const urls = new Set(out.map((d) => d.url));
  for (const subscription of matching(subscriptions, notice)) {
    if (urls.has(subscription.target)) continue;
    urls.add(subscription.target);
    out.push({ id: subscription.id, url: subscription.target, subscription });
  }
  return out;
}

/** Posts `notices` to every matching Slack destination; throws DeliveryFailed if any is owed. */
export async function notifySlack(
  notices: Notice[],
  deps: SlackNotifierDeps,
  remaining: RemainingTime,
): Promise<void> {
  const subscriptions = await deps.subscriptions.list("slack");
  const failures: string[] = [];
  for (const notice of notices) {
    const messages = {
      internal: renderSlack(notice, {
        reauthUrlTemplate: deps.reauthUrlTemplate,
        actions: deps.actions,
      }),
      customer: renderSlack(notice, { audience: "customer" }),
    };
    const destinations = slackDestinations(subscriptions, notice, deps.defaultUrl).filter(
      (d) => !deps.recent.has(notice.id, d.id),
    );
    await forEachLimit(destinations, CONCURRENCY, async (destination) => {
      // The default channel is ours; a subscription filtered to the customer gets their words.
      const audience = destination.subscription?.filter.audience ?? "internal";
      // A channel of ours past its budget gets this notice in the minute's digest instead (a
      // customer's channel never does: it hears only of its own account, each on its own).
      if (audience === "internal" && deps.digest) {
        const minute = minuteOf(deps.now?.() ?? new Date());
        const entry = digestEntry(notice);
        const { ledger, budget } = deps.digest;
        if ((await ledger.admit(destination.id, minute, entry, budget)) === "fold") {
          deps.recent.add(notice.id, destination.id);
          return;
        }
      }
      const result = await deps.poster.post(destination.url, messages[audience], remaining);
      const where = {
        notice: notice.id,
        destination: destination.id,
        url: redactUrl(destination.url),
      };
      count("notices_sent", { kind: "slack", outcome: result.status });
      if (result.status === "delivered") {
        deps.recent.add(notice.id, destination.id);
        return;
      }
      if (result.status === "broken" && destination.subscription) {
        await slackBroken(destination.subscription, result.reason, deps, remaining);
        return;
      }
      // The default channel cannot be switched off here: its notices wait in the dead-letter
      // queue (and its alarm fires) until the secret is fixed and they are redriven.
      deps.log("slack delivery failed", { ...where, status: result.status, reason: result.reason });
      failures.push(`${destination.id}: ${result.reason}`);
    });
  }
  if (failures.length > 0) {
    throw new DeliveryFailed(
      `Slack delivery failed for ${failures.length}: ${failures.join("; ")}`,
    );
  }
}

/**
 * Marks a Slack subscription broken. The call that marks it tells the default channel (when
 * there is one, and it is not the broken webhook): posted directly rather than published on
 * the alerts topic, so a broken destination can never cause a loop of notices.
 */
async function slackBroken(
  subscription: Subscription,
  reason: string,
  deps: SlackNotifierDeps,
  remaining: RemainingTime,
): Promise<void> {
  const at = (deps.now?.() ?? new Date()).toISOString();
  if (!(await deps.subscriptions.markBroken(subscription.id, reason, at))) return;
  const detail = {
    subscription: subscription.id,
    url: redactUrl(subscription.target),
    reason,
  };
  deps.log("slack destination broken: nothing more is sent to it", detail);
  if (deps.defaultUrl === subscription.target) return;
  await tellDefaultChannel(
    { poster: deps.poster, defaultUrl: deps.defaultUrl },
    brokenMessage(subscription, "Slack", redactUrl(subscription.target), reason),
    deps.log,
    remaining,
  );
}

/** An internal notice, posted straight to the default Slack channel when there is one. */
async function tellDefaultChannel(
  slack: { poster: SlackPoster; defaultUrl: string | undefined } | undefined,
  message: SlackMessage,
  log: Log,
  remaining: RemainingTime,
): Promise<void> {
  if (!slack?.defaultUrl) return;
  const result = await slack.poster.post(slack.defaultUrl, message, remaining);
  if (result.status !== "delivered") {
    log("could not tell the default Slack channel about a broken destination", {
      error: result.reason,
    });
  }
}

function brokenMessage(
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

/** Sends `notices` to every matching customer webhook; throws DeliveryFailed if any is owed. */
export async function notifyWebhooks(notices: Notice[], deps: WebhookNotifierDeps): Promise<void> {
  const subscriptions = await deps.subscriptions.list("webhook");
  const failures: string[] = [];
  for (const notice of notices) {
    const destinations = matching(subscriptions, notice).filter(
      (s) => !deps.recent.has(notice.id, s.id),
    );
    await forEachLimit(destinations, CONCURRENCY, async (subscription) => {
      const where = {
        notice: notice.id,
        subscription: subscription.id,
        url: redactUrl(subscription.target),
      };
      if (!subscription.secret) {
        deps.log("webhook subscription has no secret; skipped", where);
        return;
      }
      const result = await deliverCustomerWebhook(
        {
          url: subscription.target,
          secret: subscription.secret,
          audience: subscription.filter.audience,
        },
        notice,
        deps.delivery,
      );
      count("notices_sent", {
        kind: "webhook",
        outcome: result.status === "gone" ? "broken" : result.status,
      });
      if (result.status === "delivered") {
        deps.recent.add(notice.id, subscription.id);
        return;
      }
      if (result.status === "gone") {
        const at = (deps.now?.() ?? new Date()).toISOString();
        if (await deps.subscriptions.markBroken(subscription.id, "HTTP 410 gone", at)) {
          deps.log("webhook destination gone (410): disabled", where);
        }
        return;
      }
      deps.log("webhook delivery failed", { ...where, reason: result.reason });
      failures.push(`${subscription.id}: ${result.reason}`);
    });
  }
  if (failures.length > 0) {
    throw new DeliveryFailed(
      `webhook delivery failed for ${failures.length}: ${failures.join("; ")}`,
    );
  }
}

/** How long a PagerDuty delivery may take before the caller records what happened. */
const PAGERDUTY_BUDGET_MS = 10_000;

/**
 * Sends `notices` to every matching PagerDuty subscription; throws DeliveryFailed if any is owed.
 * A 400 means PagerDuty will never take this routing key: the subscription is switched off once,
 * and the default Slack channel told.
 */
export async function notifyPagerDuty(
  notices: Notice[],
  deps: PagerDutyNotifierDeps,
): Promise<void> {
  const subscriptions = await deps.subscriptions.list("pagerduty");
  const failures: string[] = [];
  for (const notice of notices) {
    const destinations = matching(subscriptions, notice).filter(
      (s) => !deps.recent.has(notice.id, s.id),
    );
    await forEachLimit(destinations, CONCURRENCY, async (subscription) => {
      const where = {
        notice: notice.id,
        subscription: subscription.id,
        routing_key: redactRoutingKey(subscription.target),
      };
      const event = pagerDutyEvent(notice, subscription.target, deps.dashboardUrl);
      const result = await sendPagerDuty(deps.eventsUrl, event, deps.pagerDuty);
      count("notices_sent", { kind: "pagerduty", outcome: result.status });
      if (result.status === "delivered") {
        deps.recent.add(notice.id, subscription.id);
        return;
      }
      if (result.status === "broken") {
        const at = (deps.now?.() ?? new Date()).toISOString();
        if (!(await deps.subscriptions.markBroken(subscription.id, result.reason, at))) return;
        deps.log("pagerduty destination refused (400): switched off", {
          ...where,
          reason: result.reason,
        });
        const deadline = Date.now() + PAGERDUTY_BUDGET_MS;
        await tellDefaultChannel(
          deps.slack,
          brokenMessage(
            subscription,
            "PagerDuty",
            `routing key ${where.routing_key}`,
            result.reason,
          ),
          deps.log,
          () => deadline - Date.now(),
        );
        return;
      }
      deps.log("pagerduty delivery failed", { ...where, reason: result.reason });
      failures.push(`${subscription.id}: ${result.reason}`);
    });
  }
  if (failures.length > 0) {
    throw new DeliveryFailed(
      `PagerDuty delivery failed for ${failures.length}: ${failures.join("; ")}`,
    );
  }
}
