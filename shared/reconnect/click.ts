import type { Clock } from "../clock.ts";
import type { HttpRequest, HttpResponse } from "../http.ts";
import { changeIncident } from "../incidents/change.ts";
import { offersReconnect, type ReconnectLinks } from "../incidents/reconnect-links.ts";
import type { IncidentRecord } from "../incidents/record.ts";
import type { IncidentStore } from "../incidents/store.ts";
import type { Logger } from "../log.ts";
import { sleep } from "../retry.ts";
import {
  type ConnectSession,
  ConnectSessionRefused,
  type ConnectSessionRequest,
} from "../sources/stackone/connect-sessions.ts";
import { PAGE_HEADERS, type PageContext, type PageKind, reconnectPage } from "./page.ts";
import type { RateLimiter } from "./rate-limit.ts";

/**
 * `GET /reconnect/{token}`: the click on a reconnect link. The signed token is the only
 * credential. A valid link for an open incident gets a fresh StackOne connect session for its
 * account and a 302 to the session's hosted page; a second click within a minute is sent to the
 * same session. Everything else gets a small page in the customer's words. Never logged: the
 * token, the link, or the hosted page's address (it carries StackOne's session token).
 */

/** StackOne's calls a click makes. */
export type ConnectSessionsApi = {
  create(request: ConnectSessionRequest): Promise<ConnectSession>;
};
/** A linked account's owner, when the incident does not know it (StackOne's `GET /accounts/{id}`). */
export type LinkedAccounts = {
  getAccount(id: string): Promise<Record<string, unknown> | undefined>;
};

export type ReconnectDeps = {
  store: IncidentStore;
  /** Undefined when reconnect links are not configured. */
  links?: ReconnectLinks;
  sessions?: ConnectSessionsApi;
  accounts?: LinkedAccounts;
  limiter: RateLimiter;
  clock: Clock;
  log?: Logger;
  /** Waits while another click makes the session (tests make it instant). */
  sleep?: (ms: number) => Promise<void>;
};

/** At most one session per incident per minute: clicks within it reuse the last one. */
export const REUSE_SECONDS = 60;
/** A click making a session holds the incident this long at most (then another may try). */
const CLAIM_SECONDS = 15;
const BUSY_POLLS = 10;
const BUSY_POLL_MS = 500;
/** Seconds StackOne's hosted page stays valid: the SDK's default. */
const SESSION_SECONDS = 1_800;

/** Why a click gets a page rather than StackOne's: carried out of the incident's write. */
class NoRedirect extends Error {
  constructor(
    readonly kind: PageKind,
    readonly context: PageContext = {},
  ) {
    super(kind);
  }
}

const seconds = (iso: string | undefined) => (iso ? Date.parse(iso) / 1000 : Number.NaN);

export async function reconnectRoute(
  request: HttpRequest,
  deps: ReconnectDeps,
): Promise<HttpResponse> {
  const now = deps.clock.now();
  const caller = request.sourceIp ?? "unknown";
  if (!deps.limiter.allow(caller, now.getTime())) return reconnectPage("limited");
  if (!deps.links || !deps.sessions) return reconnectPage("off");
  try {
    return await click(request.params.token ?? "", deps, deps.links, deps.sessions, now);
  } catch (error) {
    if (error instanceof NoRedirect) return reconnectPage(error.kind, error.context);
    deps.log?.warn("reconnect: the click failed", { error: errorName(error) });
    return reconnectPage("unavailable");
  }
}

async function click(
  token: string,
  deps: ReconnectDeps,
  links: ReconnectLinks,
  sessions: ConnectSessionsApi,
  now: Date,
): Promise<HttpResponse> {
  const check = links.check(token, now);
  if (check.status === "invalid") {
    deps.log?.warn("reconnect: refused a link that is not ours or was altered");
    return reconnectPage("invalid");
  }
  const { incident: id, generation } = check.claims;
  deps.log?.warn(`reconnect: link ${check.status === "valid" ? "checked" : "expired"}`, {
    incident: id,
    occurrence: generation,
    expires: new Date(check.claims.expires * 1000).toISOString(),
  });
  const linkDays = Math.round(links.ttlSeconds / 86_400);
  const found = await deps.store.getIncident(id);
  const context: PageContext = {
    provider: found?.provider,
    account: found?.account.name,
    linkDays,
  };
  if (check.status === "expired") return reconnectPage("expired", context);
  if (!found) return reconnectPage("resolved", context);

  // One write decides what this click does: reuse the session of the last minute, wait for
  // the one another click is making, or make one (the claim keeps others from doing the same).
  const nowIso = now.toISOString();
  const nowSeconds = now.getTime() / 1000;
  let action: { reuse: string } | { wait: true } | { make: IncidentRecord } = { wait: true };
  await changeIncident(deps.store, id, (current) => {
    applicable(current, generation, context);
    const trail = { ...current.reconnect, opened_at: current.reconnect?.opened_at ?? nowIso };
    const opened = current.reconnect?.opened_at === undefined;
    const last = current.reconnect_session;
    if (last?.url && nowSeconds - seconds(last.at) < REUSE_SECONDS) {
      action = { reuse: last.url };
      return opened ? { ...current, reconnect: trail } : undefined;
    }
    if (last && !last.url && nowSeconds - seconds(last.at) < CLAIM_SECONDS) {
      action = { wait: true };
      return undefined;
    }
    const next = { ...current, reconnect: trail, reconnect_session: { at: nowIso } };
    action = { make: next };
    return next;
  });
  const chosen = action as { reuse: string } | { wait: true } | { make: IncidentRecord };
  if ("reuse" in chosen) {
    deps.log?.warn("reconnect: sent to the session made within the minute", { incident: id });
    return redirect(chosen.reuse);
  }
  if ("wait" in chosen) return waitForSession(deps, id);
  return makeSession(deps, sessions, chosen.make, nowIso, context);
}

/** Throws the page for a link whose occurrence is over, or whose account is gone. */
function applicable(current: IncidentRecord, generation: number, context: PageContext): void {
  if (current.resolution === "account_deleted" && current.generation === generation) {
    throw new NoRedirect("deleted", context);
  }
  if (current.generation !== generation || current.status === "resolved") {
    throw new NoRedirect("resolved", context);
  }
  // The incident's rule changed since (custom rules): a reconnect no longer fixes it.
  if (!offersReconnect(current)) throw new NoRedirect("resolved", context);
}

async function makeSession(
  deps: ReconnectDeps,
  sessions: ConnectSessionsApi,
  record: IncidentRecord,
  claimedAt: string,
  context: PageContext,
): Promise<HttpResponse> {
  let session: ConnectSession;
  try {
    const owner = await ownerOf(record, deps.accounts);
    session = await sessions.create({
      account_id: record.account.id,
      origin_owner_id: owner.id,
      origin_owner_name: owner.name,
      provider: record.provider,
      expires_in: SESSION_SECONDS,
    });
  } catch (error) {
    await release(deps.store, record.id, claimedAt);
    if (error instanceof NoRedirect) throw error;
    if (error instanceof ConnectSessionRefused && error.status === 404) {
      deps.log?.warn("reconnect: StackOne no longer knows the account", { incident: record.id });
      return reconnectPage("deleted", context);
    }
    deps.log?.warn("reconnect: StackOne made no connect session", {
      incident: record.id,
      error: errorName(error),
      ...(error instanceof ConnectSessionRefused ? { status: error.status } : {}),
    });
    return reconnectPage("unavailable", context);
  }
  await changeIncident(deps.store, record.id, (current) => ({
    ...current,
    reconnect_session: { at: claimedAt, id: session.id, url: session.auth_link_url },
    reconnect: { ...current.reconnect, session_id: session.id, session_at: claimedAt },
  }));
  deps.log?.warn("reconnect: made a connect session", { incident: record.id, session: session.id });
  return redirect(session.auth_link_url);
}

/** Another click is making the session: send this one there too once it exists. */
async function waitForSession(deps: ReconnectDeps, id: string): Promise<HttpResponse> {
  const wait = deps.sleep ?? sleep;
  for (let poll = 0; poll < BUSY_POLLS; poll++) {
    await wait(BUSY_POLL_MS);
    const url = (await deps.store.getIncident(id))?.reconnect_session?.url;
    if (url) return redirect(url);
  }
  return reconnectPage("busy");
}

/** Gives the claim back, so the next click may try again. */
async function release(store: IncidentStore, id: string, claimedAt: string): Promise<void> {
  await changeIncident(store, id, (current) => {
    const last = current.reconnect_session;
    return last && !last.url && last.at === claimedAt
      ? { ...current, reconnect_session: undefined }
      : undefined;
  }).catch(() => undefined);
}

/** StackOne wants the account's origin owner: from the incident, else from StackOne itself. */
async function ownerOf(
  record: IncidentRecord,
  accounts: LinkedAccounts | undefined,
): Promise<{ id: string; name: string }> {
  const { owner_id, name } = record.account;
  if (owner_id && name) return { id: owner_id, name };
  const account = await accounts?.getAccount(record.account.id);
  if (accounts && account === undefined) {
    throw new NoRedirect("deleted", { provider: record.provider, account: name });
  }
  const id = owner_id ?? text(account?.origin_owner_id);
  const ownerName = name ?? text(account?.origin_owner_name);
  if (!id || !ownerName) throw new Error("the account's origin owner is unknown");
  return { id, name: ownerName };
}

const text = (value: unknown) => (typeof value === "string" && value !== "" ? value : undefined);

function redirect(location: string): HttpResponse {
  return {
    statusCode: 302,
    headers: { location, "content-type": "text/plain; charset=utf-8", ...PAGE_HEADERS },
    body: "",
  };
}

/** An error's class name and status only: StackOne's words may quote what was sent. */
function errorName(error: unknown): string {
  return error instanceof Error ? error.name : "unknown";
}
