import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import type { HttpRequest, HttpResponse } from "../../http.ts";

/**
 * API Gateway HTTP API (payload format 2.0) ⇄ the transport-free request and response the
 * routes take. API Gateway has matched the route already (`routeKey`), joined repeated headers
 * and query values with commas, and may have base64-encoded the body: here it is bytes again.
 */
export function fromApiGateway(event: APIGatewayProxyEventV2): HttpRequest {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(event.headers ?? {}))
    headers[name.toLowerCase()] = value;
  const body =
    event.body === undefined || event.body === ""
      ? undefined
      : Buffer.from(event.body, event.isBase64Encoded ? "base64" : "utf8");
  return {
    route: event.routeKey,
    headers,
    params: { ...event.pathParameters },
    query: { ...event.queryStringParameters },
    body,
    sourceIp: event.requestContext?.http?.sourceIp,
  };
}

export function toApiGateway(response: HttpResponse): APIGatewayProxyStructuredResultV2 {
  return { statusCode: response.statusCode, headers: response.headers, body: response.body };
}

/** A Lambda handler for API Gateway over a transport-free one. */
export function apiGatewayHandler(
  serve: (request: HttpRequest) => Promise<HttpResponse>,
): (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2> {
  return async (event) => toApiGateway(await serve(fromApiGateway(event)));
}
