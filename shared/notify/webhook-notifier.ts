import type { Notice } from "../incidents/notice.ts";
import { type DeliveryOptions, sendCustomerWebhook } from "./customer-webhook.ts";
import { type Destination, matchingDestinations, type Notifier, type Outcome } from "./notifier.ts";
import type { Subscription } from "./subscription.ts";
import { redactUrl } from "./url-guard.ts";

/**
 * Customer webhooks: each notice signed with Standard Webhooks (customer-webhook.ts) to every
 * matching webhook subscription. A 410 says the endpoint is gone for good.
 */
export class WebhookNotifier implements Notifier {
  readonly kind = "webhook";
  readonly attemptMs: number;

  constructor(private readonly delivery: DeliveryOptions) {
    this.attemptMs = delivery.timeoutMs ?? 5_000;
  }

  destinations(notice: Notice, subscriptions: Subscription[]): Destination[] {
    return matchingDestinations(notice, subscriptions, (s) => ({ url: redactUrl(s.target) }));
  }

  async send(notice: Notice, destination: Destination): Promise<Outcome> {
    const subscription = destination.subscription as Subscription;
    if (!subscription.secret) {
      return { status: "refused", reason: "the webhook subscription has no signing secret" };
    }
    const result = await sendCustomerWebhook(
      {
        url: subscription.target,
        secret: subscription.secret,
        audience: subscription.filter.audience,
      },
      notice,
      this.delivery,
    );
    if (result.status === "delivered") return result;
    if (result.status === "gone") return { status: "gone", reason: "HTTP 410 gone" };
    return result.retryable
      ? { status: "retry", reason: result.reason }
      : { status: "refused", reason: result.reason };
  }
}
