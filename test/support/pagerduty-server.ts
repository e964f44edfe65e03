import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * PagerDuty's Events API v2 on 127.0.0.1, answering as PagerDuty documents it: `POST
 * /v2/enqueue` takes a JSON event and answers 202 `{"status":"success","message":"Event
 * processed","dedup_key":"…"}` (a trigger without a key gets one made up), or 400 `{"status":
 * "invalid event","message":"Event object is invalid","errors":[…]}` for an event it refuses,
 * which includes one for a routing key no integration has. Scripted answers (429, 5xx) come first.
 */

// biome-ignore lint/suspicious/noExplicitAny: the event as sent; tests read what they expect.
export type ReceivedEvent = { raw: string; body: any; status: number };

const ACTIONS = new Set(["trigger", "acknowledge", "resolve"]);
const SEVERITIES = new Set(["critical", "error", "warning", "info"]);

/** Why PagerDuty would refuse the event, or nothing. */
function invalid(body: unknown, keys: Set<string>): string[] {
  if (typeof body !== "object" || body === null) return ["Event object is not JSON"];
  const event = body as Record<string, unknown>;
  const errors: string[] = [];
  if (typeof event.routing_key !== "string" || event.routing_key.length !== 32)
    errors.push("'routing_key' must be 32 characters");
  else if (!keys.has(event.routing_key)) errors.push("Invalid routing key");
  if (!ACTIONS.has(String(event.event_action))) errors.push("'event_action' is invalid");
  if (event.dedup_key !== undefined && String(event.dedup_key).length > 255)
    errors.push("'dedup_key' is too long");
  if (event.event_action !== "trigger" && typeof event.dedup_key !== "string")
    errors.push("'dedup_key' is required for acknowledge and resolve");
  if (event.event_action === "trigger") {
    const payload = event.payload as Record<string, unknown> | undefined;
    if (!payload) errors.push("'payload' is missing");
    else {
      if (typeof payload.summary !== "string" || payload.summary.length > 1024)
        errors.push("'payload.summary' is missing or too long");
      if (typeof payload.source !== "string" || payload.source === "")
        errors.push("'payload.source' is missing");
      if (!SEVERITIES.has(String(payload.severity))) errors.push("'payload.severity' is invalid");
    }
  }
  return errors;
}

export async function startPagerDuty(routingKeys: string[]) {
  const keys = new Set(routingKeys);
  const received: ReceivedEvent[] = [];
  const scripted: { status: number; headers?: Record<string, string> }[] = [];
  let generated = 0;
  const server = createServer((req, res) => {
    let raw = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      raw += chunk;
    });
    req.on("end", () => {
      const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { "content-type": "application/json", ...headers });
        res.end(JSON.stringify(body));
      };
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        body = undefined;
      }
      const next = scripted.shift();
      if (req.method !== "POST" || req.url !== "/v2/enqueue") return answer(404, {});
      if (next) {
        received.push({ raw, body, status: next.status });
        return answer(next.status, { status: "throttled" }, next.headers);
      }
      const errors = invalid(body, keys);
      if (errors.length > 0) {
        received.push({ raw, body, status: 400 });
        return answer(400, { status: "invalid event", message: "Event object is invalid", errors });
      }
      const event = body as { dedup_key?: string };
      const dedupKey = event.dedup_key ?? `generated-${++generated}`;
      received.push({ raw, body, status: 202 });
      answer(202, { status: "success", message: "Event processed", dedup_key: dedupKey });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v2/enqueue`,
    received,
    /** The events it accepted (202). */
    accepted: () => received.filter((r) => r.status === 202),
    /** The next answers, before any event is looked at: e.g. 429, then 503. */
    script(...answers: { status: number; headers?: Record<string, string> }[]) {
      scripted.push(...answers);
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export type FakePagerDuty = Awaited<ReturnType<typeof startPagerDuty>>;
