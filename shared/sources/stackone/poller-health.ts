import type { IntegrationEvent } from "../../events/event.ts";
import { parseEvent } from "../../events/parse-event.ts";
import type { StackoneUnauthorized } from "./api-errors.ts";

/**
 * The poller's own trouble as events through the same pipeline as every other: a refused key is
 * an error event that the rule `stackone.request_logs_unreadable` makes an internal incident;
 * the next poll that works sends a recovery event, which resolves it. Advanced logs seen off are
 * the same, with `quirkwatch.advanced_logs_off`. Both engines, the processor and the sweeper
 * treat them like any other events.
 */

/** The "account" the poller's own incidents belong to. */
export const POLLER_ACCOUNT = { id: "quirkwatch", name: "Quirkwatch request-log poller" };
/**
 * Advanced logs are Quirkwatch's own provider: a recovery resolves incidents of its provider, so
 * bodies arriving again do not resolve a refused key's incident, nor a readable key this one.
 */
const ADVANCED_LOGS_PROVIDER = "quirkwatch";
const SOURCE = "stackone-poller";
const PROVIDER = "stackone";
const PATH = "/requests/logs";

/** One of the poller's own events: `name` and the time make its id. */
function pollerEvent(
  at: Date,
  name: string,
  event: Pick<IntegrationEvent, "kind" | "type" | "provider" | "http" | "error">,
): IntegrationEvent {
  return parseEvent({
    id: `${name}-${at.toISOString()}`,
    source: SOURCE,
    occurred_at: at.toISOString(),
    account: POLLER_ACCOUNT,
    ...event,
  });
}

export function unreadableEvent(error: StackoneUnauthorized, at: Date): IntegrationEvent {
  return pollerEvent(at, "unreadable", {
    kind: "error",
    type: "quirkwatch.request_logs.unreadable",
    provider: PROVIDER,
    http: { status: error.status, method: "GET", path: PATH },
    error: {
      message: `StackOne answered ${error.status} when Quirkwatch read its request logs`,
      provider_errors: error.body ? [{ status: error.status, raw: error.body }] : undefined,
    },
  });
}

export function readableEvent(at: Date): IntegrationEvent {
  return pollerEvent(at, "readable", {
    kind: "recovery",
    type: "quirkwatch.request_logs.readable",
    provider: PROVIDER,
  });
}

/** A log a silent-data rule needs came without its bodies: StackOne keeps no advanced logs. */
export function advancedLogsOffEvent(at: Date): IntegrationEvent {
  return pollerEvent(at, "advanced-logs-off", {
    kind: "data_warning",
    type: "quirkwatch.advanced_logs.off",
    provider: ADVANCED_LOGS_PROVIDER,
    http: { method: "GET", path: `${PATH}/{id}` },
  });
}

export function advancedLogsOnEvent(at: Date): IntegrationEvent {
  return pollerEvent(at, "advanced-logs-on", {
    kind: "recovery",
    type: "quirkwatch.advanced_logs.on",
    provider: ADVANCED_LOGS_PROVIDER,
  });
}
