import type { HttpRequest, HttpResponse } from "../http.ts";
import { count, rejectionReason } from "../metrics.ts";
import { type IngestDeps, type IngestResult, receiveWebhook } from "./receive.ts";

/** A sender told 503 (the queue is full or down) retries after this long. */
const RETRY_AFTER_SECONDS = "30";

/**
 * `POST /webhooks/{source}`, the `ingest` row of the route table: the request's raw bytes to
 * `receiveWebhook`, its outcome counted and answered. Lambda serves it behind API Gateway
 * (functions/ingest.ts), the local server on its HTTP thread.
 */
export function createIngest(deps: IngestDeps) {
  return async (request: HttpRequest): Promise<HttpResponse> => {
    const source = request.params.source ?? "";
    const result = await receiveWebhook(
      { source, headers: request.headers, body: request.body },
      deps,
    );
    if ("accepted" in result.body) count("events_accepted", { source }, result.body.accepted);
    else count("events_rejected", { reason: rejectionReason(result.status) });
    return ingestResponse(result);
  };
}

export function ingestResponse(result: IngestResult): HttpResponse {
  return {
    statusCode: result.status,
    headers: {
      "content-type": "application/json",
      ...(result.status === 503 ? { "retry-after": RETRY_AFTER_SECONDS } : {}),
    },
    body: JSON.stringify(result.body),
  };
}
