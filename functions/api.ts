import { SNSClient } from "@aws-sdk/client-sns";
import type { APIGatewayProxyHandlerV2 } from "aws-lambda";
import { createDynamoClient } from "../shared/adapters/aws/dynamo-client.ts";
import { DynamoIncidentStore } from "../shared/adapters/aws/dynamo-store.ts";
import { DynamoSubscriptionStore } from "../shared/adapters/aws/dynamo-subscriptions.ts";
import { SnsEmailSubscriptions } from "../shared/adapters/aws/sns-subscriptions.ts";
import { type ApiRequest, type ApiResponse, authorize, error } from "../shared/api/http.ts";
import { getIncident, listIncidents } from "../shared/api/incidents.ts";
import {
  createSubscription,
  deleteSubscription,
  listSubscriptions,
  type SubscriptionApiDeps,
} from "../shared/api/subscriptions.ts";
import { adminToken, alertsTopicArn, allowLocalUrls, tableName } from "../shared/config.ts";
import type { IncidentStore } from "../shared/incidents/store.ts";

export type ApiDeps = {
  store: IncidentStore;
  subscriptions: SubscriptionApiDeps;
  /** Required by every route when set; the deployed stack always sets it. */
  adminToken: string | undefined;
};

type Route = (request: ApiRequest, deps: ApiDeps) => Promise<ApiResponse>;

/** Route keys as API Gateway names them; `infra/api.ts` declares the same. */
export const ROUTES: Record<string, Route> = {
  "GET /incidents": (request, deps) => listIncidents(request, deps.store),
  "GET /incidents/{id}": (request, deps) => getIncident(request, deps.store),
  "POST /subscriptions": (request, deps) => createSubscription(request, deps.subscriptions),
  "GET /subscriptions": (request, deps) => listSubscriptions(request, deps.subscriptions),
  "DELETE /subscriptions/{id}": (request, deps) => deleteSubscription(request, deps.subscriptions),
};

/** The admin API: incidents and subscriptions. */
export function createHandler(deps: ApiDeps) {
  return async (request: ApiRequest): Promise<ApiResponse> => {
    const route = ROUTES[request.routeKey];
    if (!route) return error(404, "no such route", [{ path: "route", message: request.routeKey }]);
    return authorize(request, deps.adminToken) ?? route(request, deps);
  };
}

let deployed: ReturnType<typeof createHandler> | undefined;
export const handler = (async (request: ApiRequest) => {
  const token = adminToken();
  // Deployed, the API is never open: without a token nobody gets in.
  if (token === undefined) return error(401, "the admin token is not configured");
  if (deployed === undefined) {
    const dynamo = createDynamoClient();
    deployed = createHandler({
      store: new DynamoIncidentStore(dynamo, tableName()),
      subscriptions: {
        subscriptions: new DynamoSubscriptionStore(dynamo, tableName()),
        email: new SnsEmailSubscriptions(new SNSClient({}), alertsTopicArn()),
        allowLocalUrls: allowLocalUrls(),
      },
      adminToken: token,
    });
  }
  return deployed(request);
}) satisfies APIGatewayProxyHandlerV2;
