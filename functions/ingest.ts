import { SQSClient } from "@aws-sdk/client-sqs";
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyHandlerV2,
  APIGatewayProxyStructuredResultV2,
} from "aws-lambda";
import { SqsEventQueue } from "../shared/adapters/aws/sqs-queue.ts";
import {
  genericWebhookSecret,
  queueUrl,
  stackoneApiKey,
  stackoneApiUrl,
  stackoneWebhookSecrets,
} from "../shared/config.ts";
import { type IngestDeps, type IngestResult, receiveWebhook } from "../shared/ingest/receive.ts";
import { errorText } from "../shared/log.ts";
import { count, recordMetricsTo, rejectionReason } from "../shared/metrics.ts";
import { emfSink } from "../shared/metrics-emf.ts";
import { accountStatusLookup } from "../shared/sources/stackone/linked-accounts.ts";
import { lambdaLog } from "./lambda-log.ts";

/** `POST /webhooks/{source}` behind API Gateway HTTP API (payload format 2.0). */
export type IngestHandler = (
  event: APIGatewayProxyEventV2,
) => Promise<APIGatewayProxyStructuredResultV2>;

/** The handler over the given queue and secrets; the local stack passes its own. */
export function createHandler(deps: IngestDeps): IngestHandler {
  return async (event) => {
    const source = event.pathParameters?.source ?? sourceFromPath(event.rawPath);
    const body =
      event.body === undefined
        ? undefined
        : Buffer.from(event.body, event.isBase64Encoded ? "base64" : "utf8");
    const result = await receiveWebhook({ source, headers: event.headers ?? {}, body }, deps);
    if ("accepted" in result.body) count("events_accepted", { source }, result.body.accepted);
    else count("events_rejected", { reason: rejectionReason(result.status) });
    return toResponse(result);
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
        stackoneSecrets: stackoneWebhookSecrets(),
        genericSecret: genericWebhookSecret(),
        accountStatus: apiKey
          ? accountStatusLookup({ apiKey, baseUrl: stackoneApiUrl() })
          : undefined,
        log: lambdaLog,
      });
    } catch (error) {
      lambdaLog.error("ingest is not configured", { error: errorText(error) });
      return toResponse({ status: 500, body: { error: "internal error", details: [] } });
    }
  }
  return configured(event);
}) satisfies APIGatewayProxyHandlerV2;

function sourceFromPath(path: string | undefined): string {
  return /^\/webhooks\/([^/]+)\/?$/.exec(path ?? "")?.[1] ?? "";
}

/** A sender told 503 (the queue is full or down) retries after this long. */
const RETRY_AFTER_SECONDS = "30";

function toResponse(result: IngestResult): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: result.status,
    headers: {
      "content-type": "application/json",
      ...(result.status === 503 ? { "retry-after": RETRY_AFTER_SECONDS } : {}),
    },
    body: JSON.stringify(result.body),
  };
}
