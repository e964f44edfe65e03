import { error, type HttpResponse } from "../http.ts";
import type { RouteSpec } from "./route.ts";

/**
 * What a browser must not be made to do on an admin's behalf. A route that changes state takes
 * only `Content-Type: application/json` (an HTML form cannot send it without asking the server
 * first) and refuses a request another site started (`Origin`, `Sec-Fetch-Site`). Checked from
 * headers alone, before any body is read.
 */

type Headers = Record<string, string | string[] | undefined>;

const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

const first = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value[0] : value;

/** A 403 or 415 for a request to an admin route that changes state, else undefined. */
export function refuseUnsafeRequest(
  route: Pick<RouteSpec, "method" | "auth">,
  headers: Headers,
): HttpResponse | undefined {
  if (route.auth !== "token" || !STATE_CHANGING.has(route.method)) return undefined;
  const site = first(headers["sec-fetch-site"])?.toLowerCase();
  if (site !== undefined && site !== "same-origin" && site !== "none") {
    return error(403, "a cross-site request cannot change anything here", [
      { path: "sec-fetch-site", message: `${site.slice(0, 40)}; only same-origin is accepted` },
    ]);
  }
  const origin = first(headers.origin);
  if (origin !== undefined && !sameOrigin(origin, first(headers.host))) {
    return error(403, "a cross-site request cannot change anything here", [
      { path: "origin", message: "the Origin is not this server" },
    ]);
  }
  if (hasBody(headers) && !isJson(first(headers["content-type"]))) {
    return error(415, "the body must be JSON", [
      { path: "content-type", message: "expected application/json" },
    ]);
  }
  return undefined;
}

function sameOrigin(origin: string, host: string | undefined): boolean {
  if (!URL.canParse(origin) || host === undefined) return false;
  const url = new URL(origin);
  if (url.protocol !== "http:" && url.protocol !== "https:") return false;
  // The Host header read as the Origin's scheme would: a default port is dropped on both.
  const own = `${url.protocol}//${host}`;
  return URL.canParse(own) && new URL(own).host === url.host;
}

function hasBody(headers: Headers): boolean {
  const length = first(headers["content-length"]);
  return (length !== undefined && length !== "0") || headers["transfer-encoding"] !== undefined;
}

/** `application/json`, with parameters (`; charset=utf-8`) or not. */
function isJson(contentType: string | undefined): boolean {
  return contentType?.split(";")[0]?.trim().toLowerCase() === "application/json";
}
