import { createHash } from "node:crypto";
import type { HttpResponse } from "../http.ts";
import { oneLine } from "../outside-text.ts";
import { providerName, truncate } from "../text-format.ts";

/**
 * The small pages a reconnect link answers with when it cannot send the customer on to
 * StackOne: words for the customer's admin, never a stack trace or a JSON error. No script; the
 * only style is inline and allowed by its hash.
 */

export type PageKind =
  | "invalid"
  | "expired"
  | "resolved"
  | "deleted"
  | "unavailable"
  | "busy"
  | "limited"
  | "off";

export type PageContext = { provider?: string; account?: string; linkDays?: number };

const STATUS: Record<PageKind, number> = {
  invalid: 400,
  expired: 410,
  resolved: 410,
  deleted: 410,
  unavailable: 503,
  busy: 503,
  limited: 429,
  off: 404,
};

const STYLE =
  "body{font:16px/1.5 system-ui,sans-serif;color:#1a1a1a;background:#f6f6f4;margin:0}" +
  "main{max-width:34rem;margin:10vh auto;padding:2rem;background:#fff;border-radius:8px}" +
  "h1{font-size:1.4rem;margin:0 0 1rem}p{margin:0 0 .8rem}";
const STYLE_HASH = createHash("sha256").update(STYLE).digest("base64");

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);

function words(kind: PageKind, context: PageContext): { title: string; lines: string[] } {
  const provider = context.provider ? providerName(context.provider) : undefined;
  const connection = provider ? `your ${provider} connection` : "your connection";
  const fromScratch = provider
    ? `You can also reconnect ${provider} from the integrations page where you first connected it.`
    : "You can also reconnect from the integrations page where you first connected it.";
  switch (kind) {
    case "invalid":
      return {
        title: "This reconnect link does not work",
        lines: [
          "The link is incomplete or has been changed. Open it again from the email or message you received, copying the whole link.",
          "If it still does not work, ask the team that sent it for a new one.",
        ],
      };
    case "expired":
      return {
        title: "This reconnect link has expired",
        lines: [
          `Reconnect links work for ${context.linkDays ?? 7} days. Ask the team that sent it for a new one.`,
          fromScratch,
        ],
      };
    case "resolved":
      return {
        title: provider
          ? `Your ${provider} connection is working again`
          : "This problem is resolved",
        lines: [
          `The problem this link was sent for has been resolved, so there is nothing to reconnect.`,
          "No action is needed.",
        ],
      };
    case "deleted":
      return {
        title: "This connection no longer exists",
        lines: [
          `${capitalize(connection)}${context.account ? ` (${context.account})` : ""} has been removed, so there is nothing to reconnect.`,
          "If you still need it, connect it again from the integrations page.",
        ],
      };
    case "unavailable":
      return {
        title: "We could not open the reconnect page just now",
        lines: [
          `Nothing has changed on ${connection}. Please try the same link again in a few minutes.`,
          fromScratch,
        ],
      };
    case "busy":
      return {
        title: "The reconnect page is being prepared",
        lines: ["Please try the same link again in a moment."],
      };
    case "limited":
      return {
        title: "Too many attempts",
        lines: ["Please wait a minute, then try the same link again."],
      };
    case "off":
      return {
        title: "Reconnect links are not available",
        lines: ["Ask the team that sent this link how to reconnect.", fromScratch],
      };
  }
}

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** The page for `kind`, with its status; `context` names the provider and account when known. */
export function reconnectPage(kind: PageKind, context: PageContext = {}): HttpResponse {
  const cleaned: PageContext = {
    ...context,
    provider: context.provider && truncate(oneLine(context.provider), 60),
    account: context.account && truncate(oneLine(context.account), 120),
  };
  const { title, lines } = words(kind, cleaned);
  const body = [
    "<!doctype html>",
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="robots" content="noindex">',
    `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>`,
    `<body><main><h1>${escapeHtml(title)}</h1>`,
    ...lines.map((line) => `<p>${escapeHtml(line)}</p>`),
    "</main></body></html>",
  ].join("\n");
  return {
    statusCode: STATUS[kind],
    headers: { "content-type": "text/html; charset=utf-8", ...PAGE_HEADERS },
    body,
  };
}

/**
 * Every answer of the route: never cached or framed, and no Referer carrying the token anywhere
 * (not to StackOne's page after the redirect either).
 */
export const PAGE_HEADERS = {
  "cache-control": "no-store",
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "x-robots-tag": "noindex",
  "content-security-policy": `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`,
} as const;
