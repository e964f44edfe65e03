import { createHash, timingSafeEqual } from "node:crypto";
import { JsonTooDeep, MAX_JSON_DEPTH, parseBoundedJson } from "./json-depth.ts";

/**
 * An HTTP request as the routes see it, whichever transport brought it: API Gateway in Lambda
 * (shared/adapters/aws/api-gateway.ts) or node:http on one machine (server/http-server.ts).
 */
export type HttpRequest = {
  /** The route it matched, as the route table keys it: `GET /incidents/{id}`. */
  route: string;
  /** Header names in lowercase; a repeated header's values joined by commas. */
  headers: Record<string, string | undefined>;
  /** The path's `{name}` parts, decoded. */
  params: Record<string, string | undefined>;
  /** The query string; a repeated name's values joined by commas. */
  query: Record<string, string | undefined>;
  /** The body's exact bytes (signatures are checked over them); undefined without one. */
  body?: Buffer | undefined;
  /** The caller's address, as the transport saw it (rate limits). */
  sourceIp?: string | undefined;
};

export type HttpResponse = {
  statusCode: number;
  headers?: Record<string, string>;
  body: string;
};

/** What one route does with a request, given what it needs (`deps`). */
export type HttpHandler<D> = (
  request: HttpRequest,
  deps: D,
) => Promise<HttpResponse> | HttpResponse;

export function json(statusCode: number, body: unknown): HttpResponse {
  return {
    statusCode,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  };
}

export type ErrorDetail = { path: string; message: string };

export const error = (statusCode: number, message: string, details: ErrorDetail[] = []) =>
  json(statusCode, { error: message, details });

/**
 * `Authorization: Bearer <token>`, compared in constant time. With no token configured the
 * handler alone is open: its entry points (the Lambda handler, the local server) never run so.
 */
export function authorize(
  request: HttpRequest,
  token: string | undefined,
): HttpResponse | undefined {
  if (token === undefined) return undefined;
  return checkBearer(request.headers, token);
}

/** A 401 unless the headers carry `Authorization: Bearer <token>`. */
export function checkBearer(
  headers: Record<string, string | string[] | undefined>,
  token: string,
): HttpResponse | undefined {
  const header = headers.authorization ?? headers.Authorization ?? "";
  const given = /^Bearer (.+)$/i.exec(Array.isArray(header) ? "" : header)?.[1] ?? "";
  // Hash both sides so the comparison is constant-time whatever the lengths.
  const digest = (s: string) => createHash("sha256").update(s).digest();
  if (given !== "" && timingSafeEqual(digest(given), digest(token))) return undefined;
  return error(401, "missing or wrong bearer token", [
    { path: "authorization", message: "expected `Bearer <ADMIN_TOKEN>`" },
  ]);
}

/** The JSON body of a request, or a 4xx naming the problem. */
export function readJson(request: HttpRequest): { value: unknown } | { response: HttpResponse } {
  if (!request.body || request.body.length === 0) {
    return { response: error(400, "a JSON body is required") };
  }
  try {
    return { value: parseBoundedJson(request.body.toString("utf8")) };
  } catch (e) {
    if (e instanceof JsonTooDeep) {
      return {
        response: error(422, e.message, [
          { path: "", message: `at most ${MAX_JSON_DEPTH} levels` },
        ]),
      };
    }
    return { response: error(400, "malformed JSON") };
  }
}
