import type { IncidentView } from "../shared/api/incidents.ts";

export type { Mute } from "../shared/incidents/mute.ts";

/**
 * What the admin API shows of an incident. `last_error` comes with the StackOne source: the
 * provider's own answer to the last failed request.
 */
export type Incident = IncidentView & {
  last_error?: { provider_message?: string; message?: string };
  /** The open provider incident this account incident is part of. */
  part_of?: { id: string; title: string };
  /** How its latest notice went out: on its own, or in a channel's digest. */
  delivery?: "sent" | "digest";
};

export type Subscription = {
  id: string;
  kind: "slack" | "email" | "webhook";
  target: string;
  filter: Record<string, unknown>;
  created_at: string;
  status: string;
  /** Whether "Send test" can reach it alone (email: once SMTP or SES sends it). */
  testable: boolean;
  broken_reason?: string;
};

type ErrorBody = { error?: string; details?: { path: string; message: string }[] };

/** An answer other than 2xx, with the API's own words. */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
  ) {
    const details = (body.details ?? [])
      .map((d) => (d.path ? `${d.path}: ${d.message}` : d.message))
      .join("; ");
    super(`${body.error ?? `HTTP ${status}`}${details ? ` (${details})` : ""}`);
  }
}

const TOKEN_KEY = "quirkwatch.admin-token";

export const savedToken = () => sessionStorage.getItem(TOKEN_KEY) ?? undefined;
export const saveToken = (token: string) => sessionStorage.setItem(TOKEN_KEY, token);
export const forgetToken = () => sessionStorage.removeItem(TOKEN_KEY);

/**
 * `npm start` prints the dashboard's link as `/#token=<token>`: a fragment, which the browser
 * never sends to a server. The page keeps the token for this tab and takes it out of the
 * address bar, so it is not left in history, bookmarks or a shared screen.
 */
export function takeTokenFromAddress(): void {
  const token = new URLSearchParams(location.hash.slice(1)).get("token");
  if (!token) return;
  saveToken(token);
  history.replaceState(null, "", `${location.pathname}${location.search}`);
}

/** Calls the admin API on this origin with the token, if any (a local stack may be open). */
export async function call<T>(
  token: string | undefined,
  method: "GET" | "POST" | "PATCH" | "DELETE",
  path: string,
  body?: unknown,
): Promise<T> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(path, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    parsed = { error: text.slice(0, 200) };
  }
  if (!response.ok) throw new ApiError(response.status, parsed as ErrorBody);
  return parsed as T;
}
