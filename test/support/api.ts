import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { createHandler } from "../../functions/api.ts";
import { MemoryBus } from "../../server/dynamodb/memory-bus.ts";
import { MemoryEmailOutbox } from "../../server/local-email.ts";
import type { ApiDeps } from "../../shared/api/admin-api.ts";
import { systemClock } from "../../shared/clock.ts";
import type { HttpRequest } from "../../shared/http.ts";
import { MemoryIncidentStore, MemoryMuteStore, MemorySubscriptionStore } from "./memory-ports.ts";

/**
 * The admin API's dependencies on fresh in-memory stores (memory-ports.ts), with an in-process
 * alerts topic and, unless given, email subscriptions as the local stack has them.
 */
export function apiDeps(given: Partial<ApiDeps> = {}): ApiDeps & { bus: MemoryBus } {
  return {
    store: new MemoryIncidentStore(),
    mutes: new MemoryMuteStore(),
    bus: new MemoryBus(),
    page: () => "<!doctype html>",
    adminToken: undefined,
    clock: systemClock,
    subscriptions: {
      subscriptions: new MemorySubscriptionStore(),
      email: new MemoryEmailOutbox(),
      allowLocalUrls: false,
    },
    ...given,
  } as ApiDeps & { bus: MemoryBus };
}

/** What a test says of one request; everything is optional. */
export type ApiCall = {
  /** The path's `{name}` parts. */
  params?: Record<string, string>;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** Sent as `Authorization: Bearer <token>`; none when null or undefined. */
  token?: string | null;
  /** A string or bytes are sent as they are, anything else as JSON. */
  body?: unknown;
  /** How API Gateway hands the body over; bytes always come base64-encoded. */
  base64?: boolean;
  sourceIp?: string;
};

const bytesOf = (body: unknown): Buffer | undefined =>
  body === undefined
    ? undefined
    : Buffer.isBuffer(body)
      ? body
      : Buffer.from(typeof body === "string" ? body : JSON.stringify(body));

const headersOf = ({ headers, token }: ApiCall): Record<string, string> => ({
  ...headers,
  ...(token == null ? {} : { authorization: `Bearer ${token}` }),
});

/** A request as the routes take it (shared/http.ts), whichever transport brought it. */
export function httpRequest(route: string, call: ApiCall = {}): HttpRequest {
  return {
    route,
    headers: Object.fromEntries(
      Object.entries(headersOf(call)).map(([name, value]) => [name.toLowerCase(), value]),
    ),
    params: { ...call.params },
    query: { ...call.query },
    body: bytesOf(call.body),
    sourceIp: call.sourceIp,
  };
}

/** The same request as API Gateway (HTTP API, payload format 2.0) hands it to a Lambda. */
export function apiEvent(route: string, call: ApiCall = {}): APIGatewayProxyEventV2 {
  const [method = "GET", template = "/"] = route.split(" ");
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) =>
    encodeURIComponent(call.params?.[name] ?? ""),
  );
  const bytes = bytesOf(call.body);
  const base64 = call.base64 ?? Buffer.isBuffer(call.body);
  const at = Date.now();
  return {
    version: "2.0",
    routeKey: route,
    rawPath: path,
    rawQueryString: new URLSearchParams(call.query).toString(),
    headers: headersOf(call),
    ...(call.params && { pathParameters: call.params }),
    ...(call.query && { queryStringParameters: call.query }),
    requestContext: {
      accountId: "123456789012",
      apiId: "api",
      domainName: "api.example.com",
      domainPrefix: "api",
      http: {
        method,
        path,
        protocol: "HTTP/1.1",
        sourceIp: call.sourceIp ?? "203.0.113.1",
        userAgent: "test",
      },
      requestId: "req",
      routeKey: route,
      stage: "$default",
      time: new Date(at).toISOString(),
      timeEpoch: at,
    },
    ...(bytes && { body: bytes.toString(base64 ? "base64" : "utf8") }),
    isBase64Encoded: base64,
  };
}

// biome-ignore lint/suspicious/noExplicitAny: the API's JSON, read as each test expects it.
export type Json = any;

/** An answer of the admin API: its status and its JSON body. */
export type ApiAnswer = { status: number; body: Json };

/**
 * The deployed admin API (functions/api.ts behind API Gateway) over `deps`, called as a user
 * would: `call("GET /incidents/{id}", { params: { id } })`. Each call carries the API's own admin
 * token unless it names another (or null for none).
 */
export function adminApi(deps: ApiDeps) {
  const api = createHandler(deps);
  return async (route: string, call: ApiCall = {}): Promise<ApiAnswer> => {
    const response = await api(apiEvent(route, { token: deps.adminToken, ...call }));
    return { status: response.statusCode ?? 0, body: JSON.parse(response.body ?? "null") };
  };
}
