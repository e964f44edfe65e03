import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENGINES, type Stack, startStack } from "../../server/stack.ts";
import { BUILTIN_RULES } from "../../shared/quirks/catalog.ts";
import { signStackone } from "../../shared/sources/stackone/signature.ts";
import { type Receiver, startReceiver } from "../support/http-receiver.ts";

/** `GET /healthz` for a load balancer, `GET /metrics` for Prometheus, on both engines. */

const SECRET = "stackone-metrics-test";
const TOKEN = "metrics-admin";

for (const engine of ENGINES)
  describe(`health and metrics (${engine})`, () => {
    let stack: Stack;
    let slack: Receiver;

    beforeAll(async () => {
      slack = await startReceiver();
      stack = await startStack({
        engine,
        port: 0,
        rules: BUILTIN_RULES,
        stackoneSecrets: [SECRET],
        adminToken: TOKEN,
        sweepIntervalMs: 24 * 3600_000,
        slackWebhookUrl: `${slack.base}/services/DEFAULT`,
        log: () => undefined,
      });
    });
    afterAll(async () => {
      await stack?.close();
      await slack?.close();
    });

    const webhook = (body: string, signature = signStackone(SECRET, body)) =>
      fetch(`${stack.url}/webhooks/stackone`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-stackone-signature": signature },
        body,
      });

    it("answers /healthz without a token: ok while the database takes writes and the queue drains", async () => {
      const response = await fetch(`${stack.url}/healthz`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: "ok" });
    });

    it("serves Prometheus' text format behind the admin token", async () => {
      expect((await fetch(`${stack.url}/metrics`)).status).toBe(401);

      const body = JSON.stringify({
        id: "evt_m1",
        event: "request.failed",
        event_date: new Date().toISOString(),
        account_id: "acc_m",
        provider: "hibob",
        data: { statusCode: 401, message: "Unauthorized", request_id: "req_m1" },
      });
      expect((await webhook(body)).status).toBe(202);
      expect((await webhook(body, "not-a-signature")).status).toBe(401);
      await stack.settle();

      const response = await fetch(`${stack.url}/metrics`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
      const text = await response.text();
      const listed = await fetch(`${stack.url}/incidents`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      const [incident] = ((await listed.json()) as { incidents: { category: string }[] }).incidents;
      expect(text).toContain('quirkwatch_events_accepted_total{source="stackone"} 1');
      expect(text).toContain('quirkwatch_events_rejected_total{reason="signature"} 1');
      expect(text).toContain(
        `quirkwatch_incidents_open{provider="hibob",category="${incident?.category}"} 1`,
      );
      expect(text).toContain('quirkwatch_notices_sent_total{kind="slack",outcome="delivered"} 1');
      expect(text).toMatch(/^quirkwatch_queue_depth 0$/m);
      expect(text).toMatch(/^quirkwatch_outbox_pending 0$/m);
      expect(text).toMatch(/^quirkwatch_poller_last_success_timestamp_seconds 0$/m);
      expect(text).toContain("# TYPE process_cpu_user_seconds_total counter");
    });
  });
