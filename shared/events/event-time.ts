import type { ValidationIssue } from "../validation.ts";
import type { IntegrationEvent } from "./event.ts";

/**
 * An event's time is evidence: it decides what the event may still change. Events are accepted
 * only within the window where a redelivery is still recognised (counted event ids are kept
 * `EVENT_RETENTION_SECONDS`) and not further ahead than a sender's clock may drift. StackOne
 * signs only the body, with no timestamp: without this, a signed recovery from 2020 replayed
 * today would close a live incident.
 */
/** How long a counted event id is remembered: a redelivery within it is never counted twice. */
export const EVENT_RETENTION_SECONDS = 7 * 24 * 3600;

export const MAX_CLOCK_AHEAD_SECONDS = 5 * 60;

const RETENTION_DAYS = EVENT_RETENTION_SECONDS / 86_400;

/** Why an event's time is outside what ingest accepts, naming `field`; undefined when it is fine. */
export function eventTimeIssue(
  event: Pick<IntegrationEvent, "occurred_at">,
  now: Date,
  field: string,
): ValidationIssue | undefined {
  const at = Date.parse(event.occurred_at);
  const age = (now.getTime() - at) / 1000;
  if (age > EVENT_RETENTION_SECONDS) {
    return {
      path: field,
      message: `${event.occurred_at} is older than ${RETENTION_DAYS} days, the time Quirkwatch remembers events to count each once; it cannot be accepted`,
    };
  }
  if (-age > MAX_CLOCK_AHEAD_SECONDS) {
    return {
      path: field,
      message: `${event.occurred_at} is more than ${MAX_CLOCK_AHEAD_SECONDS / 60} minutes in the future; check the sender's clock`,
    };
  }
  return undefined;
}

/** Whether an event is older than the dedup retention at `now`: it may no longer be counted. */
export const pastRetention = (occurredAt: string, now: Date): boolean =>
  now.getTime() - Date.parse(occurredAt) > EVENT_RETENTION_SECONDS * 1000;
