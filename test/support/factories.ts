import type { IntegrationEventInput } from "../../shared/events/event.ts";
import type { EventGroup, IncidentRecord } from "../../shared/incidents/record.ts";
import { applyEvents } from "../../shared/incidents/state-changes.ts";

/**
 * Shared builders of what tests feed the domain: events, incident records (notices:
 * notices.ts; admin API dependencies: api.ts). Each gives a valid default, overridden in part.
 */

const epochNow = () => Math.floor(Date.now() / 1000);

/** A request StackOne proxied to Lever for `acct_1` that failed with `status`. */
export function leverError(
  id: string,
  status: number,
  extra: Partial<IntegrationEventInput> = {},
): IntegrationEventInput {
  return {
    id,
    source: "stackone",
    kind: "error",
    occurred_at: "2026-11-24T10:00:00.000Z",
    account: { id: "acct_1", name: "Acme" },
    provider: "lever",
    http: { status, method: "GET", path: "/unified/ats/candidates" },
    request_id: `req_${id}`,
    error: { message: `status ${status}` },
    ...extra,
  };
}

/** StackOne's `account.updated` for `acct_1`'s Lever connection, working again. */
export function leverRecovered(
  id: string,
  extra: Partial<IntegrationEventInput> = {},
): IntegrationEventInput {
  return {
    id,
    source: "stackone",
    kind: "recovery",
    type: "account.updated",
    occurred_at: "2026-11-24T10:00:00.000Z",
    account: { id: "acct_1", name: "Acme" },
    provider: "lever",
    http: {},
    request_id: `req_${id}`,
    ...extra,
  };
}

/**
 * The incident `inc_1` as a first batch of `events`, so classified, opens it at `at` (no mutes):
 * what the processor would store, notices owed in its outbox.
 */
export function openedIncident(
  classification: EventGroup["classification"],
  events: EventGroup["events"],
  at: Date,
): IncidentRecord {
  return applyEvents(undefined, { incidentId: "inc_1", classification, events }, at, "token", {
    mutes: [],
  });
}

/** An open (firing) incident record; `due_at` undefined makes it closed. */
export function incidentRecord(id: string, over: Partial<IncidentRecord> = {}): IncidentRecord {
  return {
    id,
    account: { id: "acct_1", name: "Acme" },
    provider: "lever",
    rule_id: "lever.401",
    category: "reauth_required",
    severity: "critical",
    must_act: "customer",
    status: "firing",
    title: "Lever credentials revoked",
    what_happened: "Lever refused the key.",
    remediation: ["Reconnect Lever"],
    retryable: false,
    count: 1,
    first_seen: "2026-11-24T10:00:00.000Z",
    last_seen: "2026-11-24T10:00:00.000Z",
    request_ids: ["req_1"],
    messages: ["401"],
    provider_messages: [],
    generation: 1,
    version: 0,
    policy: {
      threshold: { count: 1, window_seconds: 60 },
      repeat_seconds: 14_400,
      resolve_after_quiet_seconds: 86_400,
    },
    hours: { "2026112410": 1 },
    minutes: {},
    notice_seq: 0,
    notified_count: 0,
    outbox: [],
    applied: [],
    applied_floor: 0,
    received_at: epochNow(),
    due_at: epochNow() + 86_400,
    ...over,
  };
}

/** A StackOne webhook payload, as StackOne posts it to `/webhooks/stackone`. */
export type StackonePayload = Record<string, unknown>;
type WithId = StackonePayload & { id: string };

/**
 * StackOne's `request.failed` webhook: Hibob refused `acc_9` (Acme GmbH) with 401, its service
 * user's token revoked. `over` replaces top-level fields (`account_id`, `data`, ...).
 */
export function hibobRevoked(id: string, at: Date, over: StackonePayload = {}): WithId {
  return {
    id,
    event: "request.failed",
    event_date: at.toISOString(),
    account_id: "acc_9",
    origin_owner_name: "Acme GmbH",
    provider: "hibob",
    data: {
      statusCode: 401,
      message: "Unauthorized",
      request_id: `req_${id}`,
      provider_errors: [{ status: 401, raw: { error: "Service user token was revoked" } }],
    },
    ...over,
  };
}

/**
 * StackOne's `request.failed` webhook, as short as StackOne sends one: Lever refused `account`
 * with 401, now. `over` replaces top-level fields.
 */
export function leverRevoked(id: string, account: string, over: StackonePayload = {}): WithId {
  return {
    id,
    event: "request.failed",
    event_date: new Date().toISOString(),
    account_id: account,
    provider: "lever",
    data: { request_id: `req-${id}`, status: 401, message: "Unauthorized" },
    ...over,
  };
}
