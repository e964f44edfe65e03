import type { IntegrationEvent } from "../events/event.ts";
import { eventTimeIssue } from "../events/event-time.ts";
import { EventValidationError, parseEvent } from "../events/parse-event.ts";
import { JsonTooDeep, MAX_JSON_DEPTH, parseBoundedJson } from "../json-depth.ts";
import {
  normalizeStackone,
  type RawBody,
  stackoneTimeField,
} from "../sources/stackone/normalize.ts";
import type { ValidationIssue } from "../validation.ts";
import { IngestRejection } from "./rejection.ts";

export const SOURCES = ["stackone", "generic"] as const;
export type Source = (typeof SOURCES)[number];

export const MAX_EVENTS_PER_REQUEST = 100;
/** Enough to name every field of a few bad events without an unbounded response. */
const MAX_DETAILS = 100;

/**
 * Turns a verified raw body into normalized events: UTF-8, JSON, then one event per payload
 * (a single payload or an array of them), each dated within what may still be counted at `now`
 * (see event-time.ts). Throws IngestRejection naming what is wrong.
 */
export function readEvents(source: Source, body: Buffer, now = new Date()): IntegrationEvent[] {
  const text = decodeUtf8(body);
  const payload = parseJson(text);

  if (!Array.isArray(payload)) {
    return collect([() => normalize(source, payload, text, now)], () => "");
  }
  if (payload.length === 0) {
    throw new IngestRejection(422, "the array holds no events", [
      { path: "", message: "expected at least one event" },
    ]);
  }
  if (payload.length > MAX_EVENTS_PER_REQUEST) {
    throw new IngestRejection(413, "too many events in one request", [
      {
        path: "",
        message: `${payload.length} events; at most ${MAX_EVENTS_PER_REQUEST} per request`,
      },
    ]);
  }
  return collect(
    // Each element is its own raw body, so its fallback id does not depend on its neighbours.
    payload.map((element) => () => normalize(source, element, () => JSON.stringify(element), now)),
    (index) => `[${index}]`,
  );
}

function normalize(
  source: Source,
  payload: unknown,
  rawBody: RawBody,
  now: Date,
): IntegrationEvent {
  const event =
    source === "stackone"
      ? normalizeStackone(payload, rawBody, now)
      : parseEvent(isObject(payload) ? { ...payload, source: "generic" } : payload);
  const field = source === "stackone" ? stackoneTimeField(payload) : "occurred_at";
  const issue = eventTimeIssue(event, now, field ?? "occurred_at");
  if (issue !== undefined) throw new EventValidationError([issue]);
  return event;
}

/** Runs every normalization so the caller learns of all bad events at once, not the first. */
function collect(
  steps: (() => IntegrationEvent)[],
  prefixOf: (index: number) => string,
): IntegrationEvent[] {
  const events: IntegrationEvent[] = [];
  const issues: ValidationIssue[] = [];
  steps.forEach((step, index) => {
    try {
      events.push(step());
    } catch (error) {
      if (!(error instanceof EventValidationError)) throw error;
      const prefix = prefixOf(index);
      for (const issue of error.issues) {
        issues.push({ path: joinPath(prefix, issue.path), message: issue.message });
      }
    }
  });
  if (issues.length > 0) {
    const shown = issues.slice(0, MAX_DETAILS);
    if (issues.length > shown.length) {
      shown.push({ path: "", message: `and ${issues.length - shown.length} more problems` });
    }
    throw new IngestRejection(422, "the events do not match the schema", shown);
  }
  return events;
}

function joinPath(prefix: string, path: string): string {
  if (!prefix) return path;
  if (!path) return prefix;
  return path.startsWith("[") ? `${prefix}${path}` : `${prefix}.${path}`;
}

/** One decoder for every body: without `stream`, each decode starts afresh. */
const utf8 = new TextDecoder("utf-8", { fatal: true });

function decodeUtf8(body: Buffer): string {
  try {
    return utf8.decode(body);
  } catch {
    throw new IngestRejection(400, "the body is not valid UTF-8");
  }
}

function parseJson(text: string): unknown {
  try {
    return parseBoundedJson(text);
  } catch (error) {
    if (error instanceof JsonTooDeep) {
      throw new IngestRejection(422, error.message, [
        { path: "", message: `at most ${MAX_JSON_DEPTH} levels of arrays and objects` },
      ]);
    }
    throw new IngestRejection(400, "the body is not valid JSON", [
      { path: "", message: error instanceof Error ? error.message : "unparseable" },
    ]);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
