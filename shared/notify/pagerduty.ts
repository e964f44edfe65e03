import type { Notice } from "../incidents/notice.ts";
import { oneLine } from "../outside-text.ts";
import type { Severity } from "../quirks/rule.ts";
import { providerName, truncate } from "../text-format.ts";
import { accountLabel } from "./text.ts";

/**
 * PagerDuty Events API v2: one event per notice, tied to one PagerDuty incident by `dedup_key`
 * (the Quirkwatch incident id), so a trigger, its acknowledge and its resolve land on the same
 * page. A repeated trigger (a reminder) is appended to the open PagerDuty incident.
 */

export const PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue";
/** An Events API v2 integration key (the routing key): 32 characters. */
export const ROUTING_KEY = /^[A-Za-z0-9]{32}$/;

/** The routing key as logs, notices and the API may show it: its last 4 characters. */
export const redactRoutingKey = (key: string) => `…${key.slice(-4)}`;

export type PagerDutyAction = "trigger" | "acknowledge" | "resolve";

export type PagerDutyEvent = {
  routing_key: string;
  event_action: PagerDutyAction;
  dedup_key: string;
  client?: string;
  client_url?: string;
  /** Required on trigger; PagerDuty ignores it on acknowledge and resolve. */
  payload?: {
    summary: string;
    source: string;
    severity: "critical" | "error" | "warning" | "info";
    timestamp: string;
    component: string;
    group: string;
    class: string;
    custom_details: Record<string, unknown>;
  };
  links?: { href: string; text: string }[];
};

/** PagerDuty's limits: summary 1,024 characters, dedup_key 255, a whole event 512 KB. */
const SUMMARY_MAX = 1_024;
const DEDUP_MAX = 255;
const TEXT_MAX = 2_000;

const ACTIONS: Record<Notice["kind"], PagerDutyAction> = {
  firing: "trigger",
  reminder: "trigger",
  acknowledged: "acknowledge",
  resolved: "resolve",
};

/** Our severities are PagerDuty's four, named alike; kept as a table so a new one must choose. */
const SEVERITY: Record<Severity, NonNullable<PagerDutyEvent["payload"]>["severity"]> = {
  critical: "critical",
  error: "error",
  warning: "warning",
  info: "info",
};

/** The dashboard, filtered to the incident's account and provider. */
export function dashboardLink(dashboardUrl: string, notice: Notice): string {
  const query = new URLSearchParams({
    account: notice.incident.account.id,
    provider: notice.incident.provider,
  });
  return `${dashboardUrl.replace(/\/+$/, "")}/?${query}`;
}

/** The Events API v2 body for a notice. */
export function pagerDutyEvent(
  notice: Notice,
  routingKey: string,
  dashboardUrl?: string,
): PagerDutyEvent {
  const incident = notice.incident;
  const event: PagerDutyEvent = {
    routing_key: routingKey,
    event_action: ACTIONS[notice.kind],
    dedup_key: truncate(incident.id, DEDUP_MAX),
  };
  if (dashboardUrl) {
    event.client = "Quirkwatch";
    event.client_url = dashboardUrl;
  }
  if (event.event_action !== "trigger") return event;

  const summary = `[${incident.severity}] ${oneLine(incident.title)} · ${accountLabel(incident)} · ${providerName(incident.provider)}`;
  const last = incident.last_error;
  const text = (value: string) => truncate(value, TEXT_MAX);
  event.payload = {
    summary: truncate(summary, SUMMARY_MAX),
    source: "quirkwatch",
    severity: SEVERITY[incident.severity],
    timestamp: incident.last_seen,
    component: truncate(incident.provider, 255),
    group: truncate(incident.account.id, 255),
    class: incident.category,
    custom_details: {
      account: accountLabel(incident),
      provider: incident.provider,
      category: incident.category,
      rule: incident.rule_id,
      who_must_act: incident.must_act === "customer" ? "the customer" : "us",
      what_happened: text(incident.what_happened),
      ...(last?.provider_message
        ? { provider_said: text(last.provider_message) }
        : incident.provider_messages.length > 0
          ? { provider_said: text(incident.provider_messages.at(-1) ?? "") }
          : {}),
      what_to_do: incident.remediation.slice(0, 10).map((step, i) => `${i + 1}. ${text(step)}`),
      events: incident.count,
      ...(notice.since_last_notice === undefined
        ? {}
        : { since_last_notice: notice.since_last_notice }),
      first_seen: incident.first_seen,
      last_seen: incident.last_seen,
      ...(last
        ? {
            last_error: [
              last.status === undefined ? undefined : `HTTP ${last.status}`,
              last.method,
              last.path && truncate(last.path, 300),
              last.message && `StackOne: ${truncate(oneLine(last.message), 500)}`,
            ]
              .filter(Boolean)
              .join(" · "),
          }
        : {}),
      request_ids: incident.request_ids.slice(-5).map((id) => truncate(id, 255)),
      incident_id: incident.id,
    },
  };
  const links: { href: string; text: string }[] = [];
  if (dashboardUrl) links.push({ href: dashboardLink(dashboardUrl, notice), text: "Quirkwatch" });
  if (incident.docs_url && URL.canParse(incident.docs_url)) {
    links.push({ href: incident.docs_url, text: "Docs for this problem" });
  }
  if (links.length > 0) event.links = links;
  return event;
}

export type PagerDutyResult =
  | { status: "delivered"; dedup_key?: string }
  /** 400: PagerDuty refused the event: the routing key is wrong (or gone). */
  | { status: "broken"; reason: string }
  /** 429, 5xx, a timeout or the network: worth trying again later. */
  | { status: "failed"; reason: string };

export type PagerDutyOptions = { fetch?: typeof fetch; timeoutMs?: number };

/**
 * Sends one event, once: retrying is the caller's one retry stage (the outbox, or SNS and
 * Lambda), which a `failed` result hands it to.
 */
export async function sendPagerDuty(
  eventsUrl: string,
  event: PagerDutyEvent,
  options: PagerDutyOptions = {},
): Promise<PagerDutyResult> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(eventsUrl, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(event),
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    if (error instanceof Error && error.name === "TimeoutError") {
      return { status: "failed", reason: `PagerDuty timed out after ${timeoutMs} ms` };
    }
    const cause =
      error instanceof Error ? (error.cause as { code?: string } | undefined) : undefined;
    return { status: "failed", reason: `network error${cause?.code ? ` (${cause.code})` : ""}` };
  }
  const text = await response.text().catch(() => "");
  if (response.status >= 200 && response.status < 300) {
    let dedupKey: string | undefined;
    try {
      dedupKey = (JSON.parse(text) as { dedup_key?: string }).dedup_key;
    } catch {
      // A 2xx is PagerDuty's acceptance, whatever its body.
    }
    return { status: "delivered", ...(dedupKey ? { dedup_key: dedupKey } : {}) };
  }
  const described = `HTTP ${response.status}${text ? ` ${truncate(oneLine(errorsOf(text)), 200)}` : ""}`;
  if (response.status === 400) return { status: "broken", reason: described };
  return { status: "failed", reason: described };
}

/** PagerDuty answers errors as `{"status":"invalid event","message":"…","errors":["…"]}`. */
function errorsOf(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: string; errors?: string[] };
    return [body.message, ...(body.errors ?? [])].filter(Boolean).join(": ") || text;
  } catch {
    return text;
  }
}
