import { systemClock } from "../shared/clock.ts";
import "../shared/adapters/aws/sst-links.ts";
import { SQSClient } from "@aws-sdk/client-sqs";
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyHandlerV2,
  APIGatewayProxyStructuredResultV2,
} from "aws-lambda";
import { fromApiGateway, toApiGateway } from "../shared/adapters/aws/api-gateway.ts";
import { lambdaLog } from "../shared/adapters/aws/lambda-log.ts";
import { SqsEventQueue } from "../shared/adapters/aws/sqs-queue.ts";
import {
  genericWebhookSecret,
  queueUrl,
  stackoneApiKey,
  stackoneApiUrl,
  stackoneWebhookSecrets,
} from "../shared/config.ts";
import type { IngestDeps } from "../shared/ingest/receive.ts";
import { createIngest, ingestResponse } from "../shared/ingest/webhook-route.ts";
import { errorText } from "../shared/log.ts";
import { recordMetricsTo } from "../shared/metrics.ts";
import { emfSink } from "../shared/metrics-emf.ts";
import { accountStatusLookup } from "../shared/sources/stackone/linked-accounts.ts";

/** `POST /webhooks/{source}` behind API Gateway HTTP API (payload format 2.0). */
export type IngestHandler = (
  event: APIGatewayProxyEventV2,
) => Promise<APIGatewayProxyStructuredResultV2>;

/** The handler over the given queue and secrets. */
export function createHandler(deps: IngestDeps): IngestHandler {
  const ingest = createIngest(deps);
  return async (event) => {
    const request = fromApiGateway(event);
    request.params.source ??= sourceFromPath(event.rawPath);
    return toApiGateway(await ingest(request));
  };
}

let configured: IngestHandler | undefined;

/** The Lambda entry point. Builds the SQS client on first call, so importing never throws. */
export const handler = (async (event: APIGatewayProxyEventV2) => {
  if (configured === undefined) {
    recordMetricsTo(emfSink());
    try {
      const apiKey = stackoneApiKey();
      configured = createHandler({
        queue: new SqsEventQueue(new SQSClient({}), queueUrl()),
        clock: systemClock,
        stackoneSecrets: stackoneWebhookSecrets(),
        genericSecret: genericWebhookSecret(),
        accountStatus: apiKey
          ? accountStatusLookup({ apiKey, baseUrl: stackoneApiUrl() })
          : undefined,
        log: lambdaLog,
      });
    } catch (error) {
      lambdaLog.error("ingest is not configured", { error: errorText(error) });
      return toApiGateway(
        ingestResponse({ status: 500, body: { error: "internal error", details: [] } }),
      );
    }
  }
  return configured(event);
}) satisfies APIGatewayProxyHandlerV2;

function sourceFromPath(path: string | undefined): string {
  return /^\/webhooks\/([^/]+)\/?$/.exec(path ?? "")?.[1] ?? "";
}
