import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SNSClient } from "@aws-sdk/client-sns";
import type { APIGatewayProxyHandlerV2 } from "aws-lambda";
import { createDynamoClient } from "../shared/adapters/aws/dynamo-client.ts";
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
  tableName,
} from "../shared/config.ts";
import type { AlertBus } from "../shared/incidents/bus.ts";
import type { MuteStore } from "../shared/incidents/mute.ts";
import type { IncidentStore } from "../shared/incidents/store.ts";
import { emailsFor } from "../shared/notify/email.ts";
import type { EmailSender } from "../shared/notify/email-sender.ts";
import { ConfirmedAtOnce } from "../shared/notify/email-subscriptions.ts";

export type ApiDeps = {
  store: IncidentStore;
  mutes: MuteStore;
  /** Actions that decide a notice (resolve, a mute ending) publish it here. */
  bus: AlertBus;
  subscriptions: SubscriptionApiDeps;
  /** Required by every route but `GET /` when set; the deployed stack always sets it. */
  adminToken: string | undefined;
  reauthUrlTemplate?: string;
  /** PAGERDUTY_EVENTS_URL, for a PagerDuty subscription's test. */
  pagerdutyEventsUrl?: string;
  /** Slack's signing secret: `POST /slack/actions` is answered only with it. */
  slackSigningSecret?: string;
  page: PageSource;
  now?: () => Date;
  log?: (message: string, detail?: Record<string, unknown>) => void;
};

type Route = (request: ApiRequest, deps: ApiDeps) => Promise<ApiResponse> | ApiResponse;

/** Route keys as API Gateway names them; `infra/api.ts` declares the same. */
export const ROUTES: Record<string, Route> = {
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
};

/**
 * Routes without the bearer token: the page is public (what it shows comes from the routes
 * behind the token); Slack's clicks carry Slack's signature instead, checked by their route.
 */
export const WITHOUT_TOKEN = new Set(["GET /", "POST /slack/actions"]);

const subscriptionDeps = (deps: ApiDeps): SubscriptionApiDeps => ({
  now: deps.now,
  ...deps.subscriptions,
});

/** The admin API (incidents, on-call actions, mutes, subscriptions) and the dashboard. */
export function createHandler(deps: ApiDeps) {
  return async (request: ApiRequest): Promise<ApiResponse> => {
    const route = ROUTES[request.routeKey];
    if (!route) return error(404, "no such route", [{ path: "route", message: request.routeKey }]);
    if (WITHOUT_TOKEN.has(request.routeKey)) return route(request, deps);
    return authorize(request, deps.adminToken) ?? route(request, deps);
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
  // Deployed, the API is never open: without a token nobody gets in.
  if (token === undefined && !WITHOUT_TOKEN.has(request.routeKey)) {
    return error(401, "the admin token is not configured");
  }
  if (deployed === undefined) {
    const dynamo = createDynamoClient();
    const sns = new SNSClient({});
    const snsEmail = new SnsEmailSubscriptions(sns, alertsTopicArn());
    // With EMAIL_FROM, email goes through SES (notify-email); without it, SNS email subscriptions.
    const from = emailFrom();
    deployed = createHandler({
      ...incidentPorts(dynamo, sns, emailsFor),
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
      slackSigningSecret: slackSigningSecret(),
      pagerdutyEventsUrl: pagerdutyEventsUrl(),
      page: packagedPage(),
      log: (message, detail) => console.error(JSON.stringify({ message, ...detail })),
    });
  }
  return deployed(request);
}) satisfies APIGatewayProxyHandlerV2;
