import { systemClock } from "../shared/clock.ts";
import "../shared/adapters/aws/sst-links.ts";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SNSClient } from "@aws-sdk/client-sns";
import type { APIGatewayProxyEventV2, APIGatewayProxyHandlerV2 } from "aws-lambda";
import {
  apiGatewayHandler,
  fromApiGateway,
  toApiGateway,
} from "../shared/adapters/aws/api-gateway.ts";
import { createDynamoClient } from "../shared/adapters/aws/dynamo-client.ts";
import { DynamoDigestLedger } from "../shared/adapters/aws/dynamo-digests.ts";
import { DynamoSubscriptionStore } from "../shared/adapters/aws/dynamo-subscriptions.ts";
import { incidentPorts } from "../shared/adapters/aws/incident-ports.ts";
import { lambdaLog } from "../shared/adapters/aws/lambda-log.ts";
import { SnsEmailSubscriptions } from "../shared/adapters/aws/sns-subscriptions.ts";
import { type ApiDeps, createAdminApi, isAdminRoute } from "../shared/api/admin-api.ts";
import type { PageSource } from "../shared/api/page.ts";
import { refuseUnsafeRequest } from "../shared/api/request-guards.ts";
import { specOf } from "../shared/api/route.ts";
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
import { error } from "../shared/http.ts";
import { emailsFor } from "../shared/notify/email.ts";
import type { EmailSender } from "../shared/notify/email-sender.ts";
import { ConfirmedAtOnce } from "../shared/notify/email-subscriptions.ts";
import { configuredLinks } from "../shared/reconnect/configured.ts";
import { reconnectStackone } from "../shared/reconnect/stackone.ts";

/** The admin API and the dashboard behind API Gateway: the `admin` rows of the route table. */
export function createHandler(deps: ApiDeps) {
  return apiGatewayHandler(createAdminApi(deps));
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
export const handler = (async (event: APIGatewayProxyEventV2) => {
  const token = adminToken();
  const found = isAdminRoute(event.routeKey) ? specOf(event.routeKey) : undefined;
  // Deployed, the API is never open: without a token nobody gets in.
  if (token === undefined && found?.auth === "token") {
    return toApiGateway(error(401, "the admin token is not configured"));
  }
  const refused = found && refuseUnsafeRequest(found, fromApiGateway(event).headers);
  if (refused) return toApiGateway(refused);
  if (deployed === undefined) {
    const dynamo = createDynamoClient();
    const sns = new SNSClient({});
    const snsEmail = new SnsEmailSubscriptions(sns, alertsTopicArn());
    // With EMAIL_FROM, email goes through SES (notify-email); without it, SNS email subscriptions.
    const from = emailFrom();
    deployed = createHandler({
      ...incidentPorts(dynamo, sns, emailsFor),
      digests: new DynamoDigestLedger(dynamo, tableName()),
      clock: systemClock,
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
  return deployed(event);
}) satisfies APIGatewayProxyHandlerV2;
