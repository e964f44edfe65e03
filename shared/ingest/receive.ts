import { WEBHOOK_BODY_BYTES } from "../api/route.ts";
import type { Clock } from "../clock.ts";
import type { IntegrationEvent } from "../events/event.ts";
import { eventJson } from "../events/parse-event.ts";
import { type EventQueue, QueueUnavailable } from "../events/queue.ts";
import { errorText, fallbackLog, type Logger } from "../log.ts";
import { type AccountStatusLookup, withAccountStatus } from "../sources/stackone/account-status.ts";
import {
  STACKONE_SIGNATURE_HEADER,
  verifyStackoneSignature,
} from "../sources/stackone/signature.ts";
import { sign, verify, WebhookVerificationError } from "../standard-webhooks.ts";
import type { ValidationIssue } from "../validation.ts";
import { readEvents, SOURCES, type Source } from "./read-events.ts";
import { IngestRejection } from "./rejection.ts";

/** The webhook route's limit, checked here too: API Gateway itself takes up to 10 MB. */
export const MAX_BODY_BYTES = WEBHOOK_BODY_BYTES;

export type WebhookRequest = {
  /** The `{source}` of `POST /webhooks/{source}`. */
  source: string;
  headers: Record<string, string | undefined>;
  /** The raw bytes as sent (already base64-decoded); undefined when there was no body. */
  body: Buffer | undefined;
};

export type IngestDeps = {
  queue: EventQueue;
  /** Current secret first, then the previous one during a rotation. */
  stackoneSecrets: string[];
  /** Standard Webhooks `whsec_` secret for the generic source. */
  genericSecret?: string | undefined;
  /** StackOne's linked accounts, when the poller's key is set: an `account.updated` without a status is looked up. */
  accountStatus?: AccountStatusLookup | undefined;
  clock: Clock;
  log?: Logger;
};

export type AcceptedBody = { accepted: number; ids: string[] };
export type ErrorBody = { error: string; details: ValidationIssue[] };
export type IngestResult = { status: number; body: AcceptedBody | ErrorBody };

/**
 * Receives one webhook: checks size and signature on the raw bytes, normalizes the events and
 * answers 202 only once the queue has taken all of them. Never throws: an unexpected failure
 * is a 500 with a generic message.
 */
export async function receiveWebhook(
  request: WebhookRequest,
  deps: IngestDeps,
): Promise<IngestResult> {
  try {
    const verified = verifiedEvents(request, deps);
    const events = deps.accountStatus
      ? await withAccountStatus(verified, deps.accountStatus, deps.log)
      : verified;
    await enqueue(events, deps.queue, deps.log ?? fallbackLog);
    return { status: 202, body: { accepted: events.length, ids: events.map((e) => e.id) } };
  } catch (error) {
    if (error instanceof IngestRejection) {
      return { status: error.status, body: { error: error.message, details: error.details } };
    }
    (deps.log ?? fallbackLog).error("ingest failed unexpectedly", { error: errorText(error) });
    return { status: 500, body: { error: "internal error", details: [] } };
  }
}

function verifiedEvents(request: WebhookRequest, deps: IngestDeps): IntegrationEvent[] {
  const source = knownSource(request.source);
  const body = request.body;
  if (body === undefined || body.length === 0) {
    throw new IngestRejection(400, "the request has no body");
  }
  if (body.length > MAX_BODY_BYTES) {
    throw new IngestRejection(413, "the body is too large", [
      { path: "", message: `${body.length} bytes; at most ${MAX_BODY_BYTES}` },
    ]);
  }
  const headers = lowercaseKeys(request.headers);
  const now = deps.clock.now();
  if (source === "stackone") checkStackoneSignature(headers, body, deps.stackoneSecrets);
  else checkStandardWebhook(headers, body, deps.genericSecret, now);
  return readEvents(source, body, now);
}

function knownSource(source: string): Source {
  const known = SOURCES.find((s) => s === source);
  if (known === undefined) {
    throw new IngestRejection(404, "unknown source", [
      { path: "source", message: `expected one of ${SOURCES.join(", ")}` },
    ]);
  }
  return known;
}

function checkStackoneSignature(
  headers: Record<string, string | undefined>,
  body: Buffer,
  secrets: string[],
): void {
  if (secrets.length === 0) throw new IngestRejection(401, "no webhook secret configured");
  const header = headers[STACKONE_SIGNATURE_HEADER];
  if (!header) throw new IngestRejection(401, `missing ${STACKONE_SIGNATURE_HEADER} header`);
  if (!verifyStackoneSignature(secrets, header, body)) {
    throw new IngestRejection(401, "the signature does not match");
  }
}

function checkStandardWebhook(
  headers: Record<string, string | undefined>,
  body: Buffer,
  secret: string | undefined,
  now: Date,
): void {
  if (!secret) throw new IngestRejection(401, "no webhook secret configured");
  // A malformed secret is our misconfiguration, not the sender's: a 500, so they retry later.
  sign(secret, "configuration-check", "");
  try {
    verify([secret], headers, body, now);
  } catch (error) {
    if (error instanceof WebhookVerificationError) throw new IngestRejection(401, error.message);
    throw error;
  }
}

async function enqueue(events: IntegrationEvent[], queue: EventQueue, log: Logger): Promise<void> {
  try {
    await queue.send(events.map((event, index) => ({ id: String(index), body: eventJson(event) })));
  } catch (error) {
    log.error("the event queue did not take the events", { error: errorMessage(error) });
    const reason = error instanceof QueueUnavailable ? `${error.message}; ` : "";
    throw new IngestRejection(503, `${reason}queue unavailable, retry`);
  }
}

function lowercaseKeys(
  headers: Record<string, string | undefined>,
): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = value;
  }
  return out;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
