import { type ApiDeps, createAdminApi, isAdminRoute } from "../shared/api/admin-api.ts";
import type { Clock } from "../shared/clock.ts";
import { digestAfterPerMinute } from "../shared/config.ts";
import type { HttpRequest, HttpResponse } from "../shared/http.ts";
import type { AlertBus, Subscriber } from "../shared/incidents/bus.ts";
import type { MuteStore } from "../shared/incidents/mute.ts";
import { ReconnectLinks } from "../shared/incidents/reconnect-links.ts";
import type { IncidentStore } from "../shared/incidents/store.ts";
import type { Logger } from "../shared/log.ts";
import type { DigestLedger } from "../shared/notify/digest.ts";
import type { EmailOutbox, EmailSubscriptions } from "../shared/notify/email-subscriptions.ts";
import type { SubscriptionStore } from "../shared/notify/subscription-store.ts";
import { reconnectStackone } from "../shared/reconnect/stackone.ts";
import { formatNotice } from "./console-notice.ts";
import { localDelivery } from "./destinations.ts";
import type { EngineSettings } from "./engine.ts";
import {
  emailSubscriber,
  type LocalEmail,
  localEmail,
  outboxHandler,
  sendingEmailSubscriber,
} from "./local-email.ts";

/**
 * What both engines of the single node build the same way over their own ports: who every
 * notice goes to, reconnect links, and the admin API with `GET /outbox`. The engines differ in
 * the ports (SQLite in a worker thread; DynamoDB with SQS and SNS in memory), not in these.
 */

export type LocalPorts = {
  store: IncidentStore;
  mutes: MuteStore;
  subscriptions: SubscriptionStore;
  /** The email outbox, which also holds email subscriptions on one machine. */
  emails: EmailOutbox & EmailSubscriptions;
  digests: DigestLedger;
};

type Context = { settings: EngineSettings; log: Logger; clock: Clock };

/** The console, Slack, webhook, PagerDuty and email subscribers, and the digests' flush. */
export function localNotifiers(ports: LocalPorts, { settings, log, clock }: Context) {
  const email = localEmail(settings.email);
  const delivering = localDelivery({
    subscriptions: ports.subscriptions,
    slackWebhookUrl: settings.slackWebhookUrl,
    slackSigningSecret: settings.slackSigningSecret,
    pagerdutyEventsUrl: settings.pagerdutyEventsUrl,
    dashboardUrl: settings.dashboardUrl,
    reauthUrlTemplate: settings.reauthUrlTemplate,
    allowLocalUrls: settings.allowLocalUrls,
    log,
    clock,
    digest: { ledger: ports.digests, budget: digestAfterPerMinute() },
  });
  const subscribers: Subscriber[] = [
    { name: "console", deliver: async (notice) => log.info(formatNotice(notice)) },
    ...delivering.subscribers,
    email
      ? sendingEmailSubscriber(ports.subscriptions, ports.emails, email, log, clock)
      : emailSubscriber(ports.subscriptions, ports.emails, log, clock),
  ];
  return { subscribers, flushDigests: delivering.flush, email };
}

/** Reconnect links, when on, and StackOne's API for their clicks (with the poller's key). */
export function localReconnect(settings: EngineSettings) {
  const links = settings.reconnect && new ReconnectLinks(settings.reconnect);
  const stackone =
    links && settings.stackonePoller
      ? reconnectStackone(settings.stackonePoller.apiKey, settings.stackonePoller.apiUrl)
      : undefined;
  return { links, stackone };
}

/** The admin API's routes and `GET /outbox`, answered over the engine's ports. */
export function localAdminApi(
  ports: LocalPorts & { bus: AlertBus },
  extras: Pick<ApiDeps, "links" | "stackone"> & { email: LocalEmail | undefined },
  { settings, log, clock }: Context,
): (request: HttpRequest) => Promise<HttpResponse> {
  const api = createAdminApi({
    digests: ports.digests,
    store: ports.store,
    mutes: ports.mutes,
    bus: ports.bus,
    page: () => settings.page,
    reauthUrlTemplate: settings.reauthUrlTemplate,
    links: extras.links,
    stackone: extras.stackone,
    slackSigningSecret: settings.slackSigningSecret,
    pagerdutyEventsUrl: settings.pagerdutyEventsUrl,
    clock,
    log: log.child({ scope: "api" }),
    adminToken: settings.adminToken,
    subscriptions: {
      subscriptions: ports.subscriptions,
      email: ports.emails,
      emailSending: extras.email,
      allowLocalUrls: settings.allowLocalUrls,
    },
  });
  const outbox = outboxHandler(ports.emails, settings.adminToken);
  return (request) => (isAdminRoute(request.route) ? api(request) : outbox(request));
}
