import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENGINES, type Stack } from "../../server/stack.ts";
import { type Receiver, startReceiver } from "../support/http-receiver.ts";
import { startTestStack } from "../support/in-process-stack.ts";
import { callApi, postStackone } from "../support/local-stack.ts";

/** `GET /healthz` for a load balancer, `GET /metrics` for Prometheus, on both engines. */

const TOKEN = "metrics-admin";

for (const engine of ENGINES)
  describe(`health and metrics (${engine})`, () => {
    let stack: Stack;
    let slack: Receiver;

    beforeAll(async () => {
      slack = await startReceiver();
      stack = await startTestStack({
        engine,
        adminToken: TOKEN,
        slackWebhookUrl: `${slack.base}/services/DEFAULT`,
      });
    });
    afterAll(async () => {
      await stack?.close();
      await slack?.close();
    });

    const webhook = (payload: unknown, secret?: string) => postStackone(stack.url, payload, secret);

    it("answers /healthz without a token: ok while the database takes writes and the queue drains", async () => {
      const response = await fetch(`${stack.url}/healthz`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: "ok" });
    });

    it("serves Prometheus' text format behind the admin token", async () => {
      expect((await fetch(`${stack.url}/metrics`)).status).toBe(401);

      const payload = {
        id: "evt_m1",
        event: "request.failed",
        event_date: new Date().toISOString(),
        account_id: "acc_m",
        provider: "hibob",
        data: { statusCode: 401, message: "Unauthorized", request_id: "req_m1" },
      };
      expect((await webhook(payload)).status).toBe(202);
      expect((await webhook(payload, "another-secret")).status).toBe(401);
      await stack.settle();

      const response = await fetch(`${stack.url}/metrics`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
      const text = await response.text();
      const [incident] = (await callApi(stack, "GET", "/incidents")).body.incidents;
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
