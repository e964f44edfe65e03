import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SNSClient } from "@aws-sdk/client-sns";
import type { APIGatewayProxyHandlerV2 } from "aws-lambda";
import { createDynamoClient } from "../shared/adapters/aws/dynamo-client.ts";
import { DynamoDigestLedger } from "../shared/adapters/aws/dynamo-digests.ts";
import { DynamoSubscriptionStore } from "../shared/adapters/aws/dynamo-subscriptions.ts";
import { incidentPorts } from "../shared/adapters/aws/incident-ports.ts";
import { SnsEmailSubscriptions } from "../shared/adapters/aws/sns-subscriptions.ts";
import { getAccount } from "../shared/api/accounts.ts";
import { type ApiRequest, type ApiResponse, authorize, error } from "../shared/api/http.ts";
import {
  acknowledgeRoute,
  muteRoute,
  resolveRoute,
  unmuteRoute,
} from "../shared/api/incident-actions.ts";
import { getIncident, listIncidents } from "../shared/api/incidents.ts";
import { createMute, deleteMute, listMutes } from "../shared/api/mutes.ts";
import { type PageSource, servePage } from "../shared/api/page.ts";
import { refuseUnsafeRequest } from "../shared/api/request-guards.ts";
import { ADMIN_BODY_BYTES, byKey, NO_BODY, type Route, route } from "../shared/api/route.ts";
import { slackActionRoute } from "../shared/api/slack-actions.ts";
import { testSubscription } from "../shared/api/subscription-test.ts";
import {
  createSubscription,
  deleteSubscription,
  listSubscriptions,
  type SubscriptionApiDeps,
  updateSubscription,
} from "../shared/api/subscriptions.ts";
import {
  adminToken,
  alertsTopicArn,
  allowLocalUrls,
  emailFrom,
  pageDir,
  pagerdutyEventsUrl,
  reauthUrlTemplate,
  sesConfigurationSet,
  slackSigningSecret,
  stackoneApiKey,
  stackoneApiUrl,
  tableName,
} from "../shared/config.ts";
import type { AlertBus } from "../shared/incidents/bus.ts";
import type { MuteStore } from "../shared/incidents/mute.ts";
import type { IncidentStore } from "../shared/incidents/store.ts";
import type { Logger } from "../shared/log.ts";
import type { DigestLedger } from "../shared/notify/digest.ts";
import { emailsFor } from "../shared/notify/email.ts";
import type { EmailSender } from "../shared/notify/email-sender.ts";
import { ConfirmedAtOnce } from "../shared/notify/email-subscriptions.ts";
import {
  type ConnectSessionsApi,
  type LinkedAccounts,
  reconnectRoute,
} from "../shared/reconnect/click.ts";
import { configuredLinks } from "../shared/reconnect/configured.ts";
import type { ReconnectLinks } from "../shared/reconnect/links.ts";
import { RateLimiter } from "../shared/reconnect/rate-limit.ts";
import { reconnectStackone } from "../shared/reconnect/stackone.ts";
import { lambdaLog } from "./lambda-log.ts";

export type ApiDeps = {
  store: IncidentStore;
  /** Which notices went into a digest (`delivery`). */
  digests?: Pick<DigestLedger, "folded">;
  mutes: MuteStore;
  /** Actions that decide a notice (resolve, a mute ending) publish it here. */
  bus: AlertBus;
  subscriptions: SubscriptionApiDeps;
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
  now?: () => Date;
  log?: Logger;
};

type Handler = (request: ApiRequest, deps: ApiDeps) => Promise<ApiResponse> | ApiResponse;
export type ApiRoute = Route<Handler>;

/** Route keys as API Gateway names them; `infra/api.ts` declares the same. */
export const ROUTES: Record<string, ApiRoute> = byKey([
  // The page itself is public; what it shows comes from the routes behind the token.
  route("GET /", "none", NO_BODY, (_request, deps) => servePage(deps.page)),
  route("GET /incidents", "token", NO_BODY, listIncidents),
  route("GET /incidents/{id}", "token", NO_BODY, getIncident),
  route("POST /incidents/{id}/acknowledge", "token", ADMIN_BODY_BYTES, acknowledgeRoute),
  route("POST /incidents/{id}/mute", "token", ADMIN_BODY_BYTES, muteRoute),
  route("DELETE /incidents/{id}/mute", "token", NO_BODY, unmuteRoute),
  route("POST /incidents/{id}/resolve", "token", ADMIN_BODY_BYTES, resolveRoute),
  route("GET /accounts/{account_id}", "token", NO_BODY, getAccount),
  route("POST /mutes", "token", ADMIN_BODY_BYTES, createMute),
  route("GET /mutes", "token", NO_BODY, listMutes),
  route("DELETE /mutes/{id}", "token", NO_BODY, deleteMute),
  route("POST /subscriptions", "token", ADMIN_BODY_BYTES, (request, deps) =>
    createSubscription(request, subscriptionDeps(deps)),
  ),
  route("GET /subscriptions", "token", NO_BODY, (request, deps) =>
    listSubscriptions(request, subscriptionDeps(deps)),
  ),
  route("PATCH /subscriptions/{id}", "token", ADMIN_BODY_BYTES, (request, deps) =>
    updateSubscription(request, subscriptionDeps(deps)),
  ),
  route("DELETE /subscriptions/{id}", "token", NO_BODY, (request, deps) =>
    deleteSubscription(request, subscriptionDeps(deps)),
  ),
  route("POST /subscriptions/{id}/test", "token", ADMIN_BODY_BYTES, (request, deps) =>
    testSubscription(request, {
      ...subscriptionDeps(deps),
      reauthUrlTemplate: deps.reauthUrlTemplate,
      pagerdutyEventsUrl: deps.pagerdutyEventsUrl,
    }),
  ),
  // Slack's clicks carry Slack's signature instead of the token, checked by their route; a
  // form-encoded payload holds the whole message, so it gets a webhook's room.
  route("POST /slack/actions", "signature", 256 * 1024, (request, deps) =>
    slackActionRoute(request, {
      ...deps,
      signingSecret: deps.slackSigningSecret,
      allowLocalUrls: deps.subscriptions.allowLocalUrls,
    }),
  ),
  // A reconnect link: its signed token is its own credential, checked by the route; customers
  // click it without an admin token.
  route("GET /reconnect/{token}", "signature", NO_BODY, (request, deps) =>
    reconnectRoute(request, {
      store: deps.store,
      links: deps.links,
      sessions: deps.stackone?.sessions,
      accounts: deps.stackone?.accounts,
      limiter: deps.reconnectLimiter ?? new RateLimiter(),
      now: deps.now,
      log: deps.log,
    }),
  ),
]);

const subscriptionDeps = (deps: ApiDeps): SubscriptionApiDeps => ({
  now: deps.now,
  ...deps.subscriptions,
});

/** The admin API (incidents, on-call actions, mutes, subscriptions) and the dashboard. */
export function createHandler(options: ApiDeps) {
  const deps = { ...options, reconnectLimiter: options.reconnectLimiter ?? new RateLimiter() };
  return async (request: ApiRequest): Promise<ApiResponse> => {
    const found = ROUTES[request.routeKey];
    if (!found) return error(404, "no such route", [{ path: "route", message: request.routeKey }]);
    if (found.auth !== "token") return found.handler(request, deps);
    return authorize(request, deps.adminToken) ?? found.handler(request, deps);
  };
}

/** Read once per container, on the first `GET /`. */
function packagedPage(): PageSource {
  let html: string | undefined;
  return () => {
    try {
      html ??= readFileSync(join(pageDir(), "index.html"), "utf8");
    } catch {
      return undefined;
    }
    return html;
  };
}

/**
 * SES for "send test" of an email subscription, loaded on first use: every cold start of the API
 * would otherwise load the SES client for a button pressed now and then.
 */
function sesOnFirstUse(configurationSet: string | undefined): EmailSender {
  let loaded: Promise<EmailSender> | undefined;
  return {
    name: "Amazon SES",
    async send(email) {
      loaded ??= Promise.all([
        import("@aws-sdk/client-sesv2"),
        import("../shared/adapters/aws/ses-sender.ts"),
      ]).then(
        ([{ SESv2Client }, { SesEmailSender }]) =>
          new SesEmailSender(new SESv2Client({}), { configurationSet }),
      );
      return (await loaded).send(email);
    },
  };
}

let deployed: ReturnType<typeof createHandler> | undefined;
export const handler = (async (request: ApiRequest) => {
  const token = adminToken();
  const found = ROUTES[request.routeKey];
  // Deployed, the API is never open: without a token nobody gets in.
  if (token === undefined && found?.auth === "token") {
    return error(401, "the admin token is not configured");
  }
  const refused = found && refuseUnsafeRequest(found, request.headers ?? {});
  if (refused) return refused;
  if (deployed === undefined) {
    const dynamo = createDynamoClient();
    const sns = new SNSClient({});
    const snsEmail = new SnsEmailSubscriptions(sns, alertsTopicArn());
    // With EMAIL_FROM, email goes through SES (notify-email); without it, SNS email subscriptions.
    const from = emailFrom();
    deployed = createHandler({
      ...incidentPorts(dynamo, sns, emailsFor),
      digests: new DynamoDigestLedger(dynamo, tableName()),
      subscriptions: {
        subscriptions: new DynamoSubscriptionStore(dynamo, tableName()),
        email: from ? new ConfirmedAtOnce(snsEmail) : snsEmail,
        ...(from && {
          emailSending: {
            from,
            sender: sesOnFirstUse(sesConfigurationSet()),
          },
        }),
        allowLocalUrls: allowLocalUrls(),
      },
      adminToken: token,
      reauthUrlTemplate: reauthUrlTemplate(),
      links: configuredLinks(stackoneApiKey() !== undefined),
      stackone: reconnectStackone(stackoneApiKey(), stackoneApiUrl()),
      slackSigningSecret: slackSigningSecret(),
      pagerdutyEventsUrl: pagerdutyEventsUrl(),
      page: packagedPage(),
      log: lambdaLog,
    });
  }
  return deployed(request);
}) satisfies APIGatewayProxyHandlerV2;
