import type { Clock } from "../clock.ts";
import {
  authorize,
  error,
  type HttpHandler,
  type HttpRequest,
  type HttpResponse,
} from "../http.ts";
import type { AlertBus } from "../incidents/bus.ts";
import type { MuteStore } from "../incidents/mute.ts";
import type { ReconnectLinks } from "../incidents/reconnect-links.ts";
import type { IncidentStore } from "../incidents/store.ts";
import type { Logger } from "../log.ts";
import type { DigestLedger } from "../notify/digest.ts";
import {
  type ConnectSessionsApi,
  type LinkedAccounts,
  reconnectRoute,
} from "../reconnect/click.ts";
import { RateLimiter } from "../reconnect/rate-limit.ts";
import { getAccount } from "./accounts.ts";
import { acknowledgeRoute, muteRoute, resolveRoute, unmuteRoute } from "./incident-actions.ts";
import { getIncident, listIncidents } from "./incidents.ts";
import { createMute, deleteMute, listMutes } from "./mutes.ts";
import { type PageSource, servePage } from "./page.ts";
import { ROUTES, type RouteKeyOf } from "./route.ts";
import { slackActionRoute } from "./slack-actions.ts";
import { testSubscription } from "./subscription-test.ts";
import {
  createSubscription,
  deleteSubscription,
  listSubscriptions,
  type SubscriptionApiDeps,
  updateSubscription,
} from "./subscriptions.ts";

/**
 * The admin API (incidents, on-call actions, mutes, subscriptions, Slack's clicks) and the
 * dashboard: the handler of each `admin` row of the route table, over the ports it is given.
 * Lambda serves it behind API Gateway (functions/api.ts), the local server on its worker.
 */

export type ApiDeps = {
  store: IncidentStore;
  /** Which notices went into a digest (`delivery`). */
  digests?: Pick<DigestLedger, "folded">;
  mutes: MuteStore;
  /** Actions that decide a notice (resolve, a mute ending) publish it here. */
  bus: AlertBus;
  /** The subscription routes' own ports; they share the API's clock. */
  subscriptions: Omit<SubscriptionApiDeps, "clock">;
  /** Required by every route but `GET /` when set; the deployed stack always sets it. */
  adminToken: string | undefined;
  reauthUrlTemplate?: string;
  /** Reconnect links (signed, checked, added to notices), when configured. */
  links?: ReconnectLinks;
  /** StackOne's API for a click on a reconnect link. */
  stackone?: { sessions: ConnectSessionsApi; accounts?: LinkedAccounts };
  /** Clicks on reconnect links per caller; one per handler when not given. */
  reconnectLimiter?: RateLimiter;
  /** PAGERDUTY_EVENTS_URL, for a PagerDuty subscription's test. */
  pagerdutyEventsUrl?: string;
  /** Slack's signing secret: `POST /slack/actions` is answered only with it. */
  slackSigningSecret?: string;
  page: PageSource;
  clock: Clock;
  log?: Logger;
};

const subscriptionDeps = (deps: ApiDeps): SubscriptionApiDeps => ({
  ...deps.subscriptions,
  clock: deps.clock,
});

/** One handler per `admin` row of ROUTES: a row without one, or one without a row, fails to compile. */
const HANDLERS: { [K in RouteKeyOf<"admin">]: HttpHandler<ApiDeps> } = {
  "GET /": (_request, deps) => servePage(deps.page),
  "GET /incidents": listIncidents,
  "GET /incidents/{id}": getIncident,
  "POST /incidents/{id}/acknowledge": acknowledgeRoute,
  "POST /incidents/{id}/mute": muteRoute,
  "DELETE /incidents/{id}/mute": unmuteRoute,
  "POST /incidents/{id}/resolve": resolveRoute,
  "GET /accounts/{account_id}": getAccount,
  "POST /mutes": createMute,
  "GET /mutes": listMutes,
  "DELETE /mutes/{id}": deleteMute,
  "POST /subscriptions": (request, deps) => createSubscription(request, subscriptionDeps(deps)),
  "GET /subscriptions": (request, deps) => listSubscriptions(request, subscriptionDeps(deps)),
  "PATCH /subscriptions/{id}": (request, deps) =>
    updateSubscription(request, subscriptionDeps(deps)),
  "DELETE /subscriptions/{id}": (request, deps) =>
    deleteSubscription(request, subscriptionDeps(deps)),
  "POST /subscriptions/{id}/test": (request, deps) =>
    testSubscription(request, {
      ...subscriptionDeps(deps),
      reauthUrlTemplate: deps.reauthUrlTemplate,
      pagerdutyEventsUrl: deps.pagerdutyEventsUrl,
    }),
  "POST /slack/actions": (request, deps) =>
    slackActionRoute(request, {
      ...deps,
      signingSecret: deps.slackSigningSecret,
      allowLocalUrls: deps.subscriptions.allowLocalUrls,
    }),
  "GET /reconnect/{token}": (request, deps) =>
    reconnectRoute(request, {
      store: deps.store,
      links: deps.links,
      sessions: deps.stackone?.sessions,
      accounts: deps.stackone?.accounts,
      limiter: deps.reconnectLimiter ?? new RateLimiter(),
      clock: deps.clock,
      log: deps.log,
    }),
};

/** Whether a route key is one the admin API answers. */
export const isAdminRoute = (key: string): key is RouteKeyOf<"admin"> =>
  Object.hasOwn(HANDLERS, key);

/** The admin API over `deps`: a request in, its answer out. Token routes check the token here too. */
export function createAdminApi(options: ApiDeps) {
  const deps = { ...options, reconnectLimiter: options.reconnectLimiter ?? new RateLimiter() };
  return async (request: HttpRequest): Promise<HttpResponse> => {
    if (!isAdminRoute(request.route)) {
      return error(404, "no such route", [{ path: "route", message: request.route }]);
    }
    const handler = HANDLERS[request.route];
    if (ROUTES[request.route].auth !== "token") return handler(request, deps);
    return authorize(request, deps.adminToken) ?? handler(request, deps);
  };
}
