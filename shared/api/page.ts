import { type HttpResponse, json } from "../http.ts";

/** The dashboard's HTML, or undefined when this deployment has none. Read on first use. */
export type PageSource = () => string | undefined;

/**
 * `GET /`: the dashboard, one self-contained HTML file (its script and styles inline, allowed by
 * hash in its own Content-Security-Policy). No token is needed to load it: it holds nothing
 * sensitive, and every call it makes carries the admin token the user types in.
 */
export function servePage(page: PageSource): HttpResponse {
  const html = page();
  if (html === undefined) {
    return json(503, { error: "the dashboard was not built into this deployment", details: [] });
  }
  return {
    statusCode: 200,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-cache",
      "x-content-type-options": "nosniff",
      "x-frame-options": "DENY",
      "referrer-policy": "no-referrer",
    },
    body: html,
  };
}
