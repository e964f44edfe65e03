import { randomBytes } from "node:crypto";
import * as z from "zod/mini";
import type { Clock } from "../clock.ts";
import { forEachLimit } from "../concurrency.ts";
import {
  error,
  type HttpHandler,
  type HttpRequest,
  type HttpResponse,
  json,
  readJson,
} from "../http.ts";
import type { EmailSender } from "../notify/email-sender.ts";
import {
  deliveredBySns,
  type EmailConfirmation,
  EmailSubscriptionRejected,
  type EmailSubscriptions,
} from "../notify/email-subscriptions.ts";
import { filterTooBroad, SubscriptionFilterSchema } from "../notify/filter.ts";
import { ROUTING_KEY, redactRoutingKey } from "../notify/pagerduty.ts";
import {
  SUBSCRIPTION_KINDS,
  type Subscription,
  type SubscriptionStatus,
} from "../notify/subscription.ts";
import type { SubscriptionStore } from "../notify/subscription-store.ts";
import {
  DestinationUrlError,
  type HostLookup,
  redactUrl,
  validateDestinationUrl,
} from "../notify/url-guard.ts";
import { generateSecret } from "../standard-webhooks.ts";
import { byId, notFound, validated } from "./request-steps.ts";

export type SubscriptionApiDeps = {
  subscriptions: SubscriptionStore;
  /** SNS email subscriptions on the alerts topic; confirmed at once where Quirkwatch sends email. */
  email: EmailSubscriptions;
  /** How Quirkwatch sends email itself (SMTP, SES), when it does: `send test` uses it. */
  emailSending?: EmailSending;
  /** ALLOW_PRIVATE_DESTINATIONS: loopback and private destinations are allowed. */
  allowLocalUrls: boolean;
  /** Resolves destination hosts; the system resolver when absent. */
  lookup?: HostLookup;
  clock: Clock;
};

/** A sender and EMAIL_FROM. */
export type EmailSending = { sender: EmailSender; from: string };

const CreateSubscription = z.strictObject({
  kind: z.enum(SUBSCRIPTION_KINDS),
  target: z.string().check(z.trim(), z.minLength(1), z.maxLength(2048)),
  filter: z._default(SubscriptionFilterSchema, {}),
});

const PatchSubscription = z.strictObject({ filter: SubscriptionFilterSchema });

const Email = z.email().check(z.maxLength(254));
export const SUBSCRIPTION_ID = /^sub_[\w-]{1,64}$/;
const ID = SUBSCRIPTION_ID;
/** SNS is asked about this many email subscriptions at a time. */
const CONCURRENCY = 8;

const newId = () => `sub_${randomBytes(12).toString("base64url")}`;

/**
 * Whether `POST /subscriptions/{id}/test` can reach this destination alone: Slack and webhooks
 * always; email once Quirkwatch sends it itself (SMTP or SES), not what SNS delivers.
 */
export function testable(subscription: Subscription, emailSending: EmailSending | undefined) {
  return (
    subscription.kind !== "email" || (emailSending !== undefined && !deliveredBySns(subscription))
  );
}

/** A subscription's target as the API shows it: URLs and routing keys are secrets. */
function shownTarget(subscription: Subscription): string {
  if (subscription.kind === "email") return subscription.target;
  if (subscription.kind === "pagerduty") return redactRoutingKey(subscription.target);
  return redactUrl(subscription.target);
}

/** What the API shows: URLs redacted (their path is the secret), never the signing secret. */
function view(subscription: Subscription, status: SubscriptionStatus, deps: SubscriptionApiDeps) {
  return {
    id: subscription.id,
    kind: subscription.kind,
    target: shownTarget(subscription),
    filter: subscription.filter,
    created_at: subscription.created_at,
    status,
    testable: testable(subscription, deps.emailSending),
    ...(subscription.broken_reason
      ? { broken_reason: subscription.broken_reason, broken_at: subscription.broken_at }
      : {}),
  };
}

async function statusOf(
  subscription: Subscription,
  email: EmailSubscriptions,
): Promise<SubscriptionStatus> {
  if (subscription.kind !== "email") return subscription.broken_reason ? "broken" : "active";
  try {
    return await email.confirmation(subscription.sns_subscription_arn ?? "");
  } catch {
    // One slow or failing SNS call should not hide the whole list.
    return "unknown";
  }
}

const targetError = (message: string) =>
  error(422, "invalid target", [{ path: "target", message }]);

/** `POST /subscriptions` */
export const createSubscription: HttpHandler<SubscriptionApiDeps> = async (request, deps) => {
  const body = validated(readJson(request), CreateSubscription, "subscription");
  if ("response" in body) return body.response;
  const { kind, target, filter } = body.value;
  const subscription: Subscription = {
    id: newId(),
    kind,
    target,
    filter,
    created_at: deps.clock.now().toISOString(),
  };

  if (kind === "email") {
    if (!Email.safeParse(target).success) return targetError("expected an email address");
    const tooBroad = filterTooBroad(filter);
    if (tooBroad) return error(422, "invalid filter", [{ path: "filter", message: tooBroad }]);
    // SNS keeps one subscription per address on a topic; a second would clash or alias it.
    const existing = await deps.subscriptions.list("email");
    const same = existing.find((s) => s.target.toLowerCase() === target.toLowerCase());
    if (same) {
      return error(409, "this address already has an email subscription", [
        { path: "target", message: `delete ${same.id} first to change its filter` },
      ]);
    }
    try {
      subscription.sns_subscription_arn = await deps.email.subscribe(target, filter);
    } catch (e) {
      if (e instanceof EmailSubscriptionRejected) return targetError(e.message);
      throw e;
    }
  } else if (kind === "pagerduty") {
    if (!ROUTING_KEY.test(target)) {
      return targetError(
        "expected a PagerDuty Events API v2 integration key (routing key): 32 letters and digits",
      );
    }
  } else {
    try {
      await validateDestinationUrl(target, {
        kind,
        allowLocal: deps.allowLocalUrls,
        ...(deps.lookup ? { lookup: deps.lookup } : {}),
      });
    } catch (e) {
      if (e instanceof DestinationUrlError) return targetError(`${e.reason}: ${e.message}`);
      throw e;
    }
    if (kind === "webhook") subscription.secret = generateSecret();
  }

  await deps.subscriptions.create(subscription);
  const status = await statusOf(subscription, deps.email);
  // The signing secret is shown here, once; it is never returned again.
  return json(201, {
    ...view(subscription, status, deps),
    ...(subscription.secret ? { secret: subscription.secret } : {}),
  });
};

/** `GET /subscriptions`: newest first. */
export async function listSubscriptions(
  _request: HttpRequest,
  deps: SubscriptionApiDeps,
): Promise<HttpResponse> {
  const subscriptions = await deps.subscriptions.list();
  const statuses = new Map<Subscription, SubscriptionStatus>();
  await forEachLimit(subscriptions, CONCURRENCY, async (subscription) => {
    statuses.set(subscription, await statusOf(subscription, deps.email));
  });
  return json(200, {
    subscriptions: subscriptions.map((s) => view(s, statuses.get(s) ?? "unknown", deps)),
  });
}

/**
 * `PATCH /subscriptions/{id}` `{ filter }`: replaces the filter and keeps everything else, the
 * webhook's signing secret included. For email, SNS's filter policy changes first: a refusal
 * there leaves the subscription as it was.
 */
export const updateSubscription: HttpHandler<SubscriptionApiDeps> = async (request, deps) => {
  const body = validated(readJson(request), PatchSubscription, "subscription");
  if ("response" in body) return body.response;
  const found = await byId(request, ID, "subscription", (id) => deps.subscriptions.get(id));
  if ("response" in found) return found.response;
  const { id, value: subscription } = found;
  const { filter } = body.value;
  if (subscription.kind === "email") {
    const tooBroad = filterTooBroad(filter);
    if (tooBroad) return error(422, "invalid filter", [{ path: "filter", message: tooBroad }]);
    try {
      await deps.email.setFilter(subscription.sns_subscription_arn ?? "", filter);
    } catch (e) {
      if (!(e instanceof EmailSubscriptionRejected)) throw e;
      return error(409, "SNS refused the new filter", [{ path: "filter", message: e.message }]);
    }
  }
  const updated = await deps.subscriptions.updateFilter(id, filter);
  if (!updated) return notFound("subscription", id);
  return json(200, view(updated, await statusOf(updated, deps.email), deps));
};

/** `DELETE /subscriptions/{id}`: a confirmed email subscription is removed from SNS too. */
export const deleteSubscription: HttpHandler<SubscriptionApiDeps> = async (request, deps) => {
  const found = await byId(request, ID, "subscription", (id) => deps.subscriptions.get(id));
  if ("response" in found) return found.response;
  const { id, value: subscription } = found;

  let confirmation: EmailConfirmation | undefined;
  if (subscription.kind === "email" && subscription.sns_subscription_arn) {
    confirmation = await deps.email.confirmation(subscription.sns_subscription_arn);
    // SNS cannot remove an unconfirmed subscription; its link expires after 3 days.
    if (confirmation === "confirmed")
      await deps.email.unsubscribe(subscription.sns_subscription_arn);
  }
  await deps.subscriptions.remove(id);
  return json(200, {
    id,
    deleted: true,
    ...(confirmation === "pending_confirmation"
      ? {
          note: "SNS keeps an unconfirmed subscription until its confirmation link expires (3 days); ask the recipient not to confirm it",
        }
      : {}),
  });
};
