import { error, type HttpHandler, json } from "../http.ts";
import { sendCustomerWebhook } from "../notify/customer-webhook.ts";
import { emailFor } from "../notify/email-message.ts";
import { deliveredBySns } from "../notify/email-subscriptions.ts";
import { PAGERDUTY_EVENTS_URL, pagerDutyEvent, sendPagerDuty } from "../notify/pagerduty.ts";
import { renderSlack } from "../notify/slack.ts";
import { SlackPoster } from "../notify/slack-delivery.ts";
import { testNotice } from "../notify/test-notice.ts";
import { byId } from "./request-steps.ts";
import { SUBSCRIPTION_ID, type SubscriptionApiDeps, testable } from "./subscriptions.ts";

export type SubscriptionTestDeps = SubscriptionApiDeps & {
  reauthUrlTemplate?: string;
  /** PAGERDUTY_EVENTS_URL, for PagerDuty subscriptions. */
  pagerdutyEventsUrl?: string;
};

/** One try, answered within the API's own time (API Gateway waits 30 s at most). */
const TIMEOUT_MS = 5_000;
const poster = new SlackPoster({ timeoutMs: TIMEOUT_MS });

/**
 * `POST /subscriptions/{id}/test`: sends a sample notice to that one destination, once, and
 * answers with what the destination answered. Email can be tested once Quirkwatch sends it
 * itself (SMTP, SES): SNS delivers a topic's message to every matching subscriber and has no
 * way to address one of them.
 */
export const testSubscription: HttpHandler<SubscriptionTestDeps> = async (request, deps) => {
  const found = await byId(request, SUBSCRIPTION_ID, "subscription", (id) =>
    deps.subscriptions.get(id),
  );
  if ("response" in found) return found.response;
  const { id, value: subscription } = found;
  const notice = testNotice(subscription.id, deps.clock.now());
  const answer = (delivered: boolean, outcome: string, detail: string) =>
    json(200, { id, kind: subscription.kind, delivered, outcome, detail });

  if (subscription.kind === "slack") {
    const message = renderSlack(notice, { reauthUrlTemplate: deps.reauthUrlTemplate });
    const result = await poster.post(subscription.target, message);
    return result.status === "delivered"
      ? answer(true, "delivered", "Slack accepted the message")
      : answer(false, result.status, `Slack answered ${result.reason}`);
  }
  if (subscription.kind === "webhook") {
    if (!subscription.secret) {
      return error(409, "this webhook subscription has no signing secret", [
        { path: "id", message: "delete it and create it again" },
      ]);
    }
    const result = await sendCustomerWebhook(
      {
        url: subscription.target,
        secret: subscription.secret,
        audience: subscription.filter.audience,
      },
      notice,
      {
        allowLocal: deps.allowLocalUrls,
        timeoutMs: TIMEOUT_MS,
        ...(deps.lookup ? { lookup: deps.lookup } : {}),
      },
    );
    if (result.status === "delivered")
      return answer(true, "delivered", "the endpoint answered 2xx");
    if (result.status === "gone") return answer(false, "gone", "the endpoint answered 410 Gone");
    return answer(false, "failed", result.reason);
  }
  if (subscription.kind === "pagerduty") {
    // A trigger, resolved at once: the service sees the test page and it closes by itself.
    const url = deps.pagerdutyEventsUrl ?? PAGERDUTY_EVENTS_URL;
    const options = { timeoutMs: TIMEOUT_MS };
    const trigger = await sendPagerDuty(url, pagerDutyEvent(notice, subscription.target), options);
    if (trigger.status !== "delivered") {
      return answer(false, trigger.status, `PagerDuty answered ${trigger.reason}`);
    }
    const resolved = { ...notice, kind: "resolved" as const };
    await sendPagerDuty(url, pagerDutyEvent(resolved, subscription.target), options);
    return answer(true, "delivered", "PagerDuty accepted the test event (then resolved it)");
  }
  if (
    subscription.kind === "email" &&
    deps.emailSending &&
    testable(subscription, deps.emailSending)
  ) {
    const { sender, from } = deps.emailSending;
    const result = await sender.send(emailFor(notice, subscription, from));
    return result.status === "sent"
      ? answer(true, "delivered", `${sender.name} accepted the message`)
      : answer(false, result.status, `${sender.name} answered ${result.reason}`);
  }
  if (!deliveredBySns(subscription)) {
    return error(422, "email is not sent from here, so it cannot be tested", [
      {
        path: "kind",
        message:
          "Quirkwatch sends email once SMTP_URL (one machine) or EMAIL_FROM (deployed, through SES) is set; until then it is printed and kept at GET /outbox",
      },
    ]);
  }
  let confirmation = "unknown";
  try {
    confirmation = await deps.email.confirmation(subscription.sns_subscription_arn ?? "");
  } catch {
    // Said as unknown below.
  }
  return error(422, "an email subscription cannot be tested alone", [
    {
      path: "kind",
      message: `SNS sends each message to every matching subscriber of the topic and cannot address one; SNS reports this subscription as ${confirmation}. Email sent through SES can be tested: set EMAIL_FROM, deploy, and create the subscription again`,
    },
  ]);
};
