import { createHash, timingSafeEqual } from "node:crypto";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { JsonTooDeep, MAX_JSON_DEPTH, parseBoundedJson } from "../json-depth.ts";

export type ApiRequest = APIGatewayProxyEventV2;
export type ApiResponse = APIGatewayProxyStructuredResultV2;

export function json(statusCode: number, body: unknown): ApiResponse {
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
export function authorize(request: ApiRequest, token: string | undefined): ApiResponse | undefined {
  if (token === undefined) return undefined;
  return checkBearer(request.headers ?? {}, token);
}

/** A 401 unless the headers carry `Authorization: Bearer <token>`. */
export function checkBearer(
  headers: Record<string, string | string[] | undefined>,
  token: string,
): ApiResponse | undefined {
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
export function readJson(request: ApiRequest): { value: unknown } | { response: ApiResponse } {
  if (!request.body) return { response: error(400, "a JSON body is required") };
  const text = request.isBase64Encoded
    ? Buffer.from(request.body, "base64").toString("utf8")
    : request.body;
  try {
    return { value: parseBoundedJson(text) };
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
