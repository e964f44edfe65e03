import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createHandler as createApi } from "../../functions/api.ts";
import { count, MetricTotals, recordMetricsTo } from "../../shared/metrics.ts";
import { emfSink } from "../../shared/metrics-emf.ts";
import { signSlackRequest, verifySlackSignature } from "../../shared/notify/slack-signature.ts";
import { apiDeps, apiEvent } from "../support/api.ts";

const SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
const NOW = 1_764_000_000_000;

describe("Slack's v0 signature", () => {
  it("accepts exactly the signed bytes within five minutes, and nothing else", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 512 }),
        fc.integer({ min: -300, max: 300 }),
        fc.nat({ max: 511 }),
        (bytes, skew, flip) => {
          const body = Buffer.from(bytes);
          const timestamp = String(NOW / 1000 + skew);
          const signature = signSlackRequest(SECRET, timestamp, body);
          expect(verifySlackSignature(SECRET, timestamp, signature, body, NOW)).toBeUndefined();
          if (body.length > 0) {
            const changed = Buffer.from(body);
            const i = flip % body.length;
            changed[i] = (changed[i] ?? 0) ^ 1;
            expect(verifySlackSignature(SECRET, timestamp, signature, changed, NOW)?.path).toBe(
              "x-slack-signature",
            );
          }
          expect(verifySlackSignature("other", timestamp, signature, body, NOW)).toBeDefined();
        },
      ),
    );
  });

  it("refuses a timestamp more than five minutes away, or none", () => {
    const body = Buffer.from("payload=%7B%7D");
    for (const skew of [-301, 301]) {
      const timestamp = String(NOW / 1000 + skew);
      const signature = signSlackRequest(SECRET, timestamp, body);
      expect(verifySlackSignature(SECRET, timestamp, signature, body, NOW)?.path).toBe(
        "x-slack-request-timestamp",
      );
    }
    expect(verifySlackSignature(SECRET, undefined, "v0=00", body, NOW)?.path).toBe(
      "x-slack-request-timestamp",
    );
  });
});

describe("POST /slack/actions", () => {
  const request = (body: string, headers: Record<string, string>) =>
    apiEvent("POST /slack/actions", { headers, body, base64: true });

  function signed(body: string, type = "application/x-www-form-urlencoded") {
    const timestamp = String(Math.floor(Date.now() / 1000));
    return request(body, {
      "content-type": type,
      "x-slack-request-timestamp": timestamp,
      "x-slack-signature": signSlackRequest(SECRET, timestamp, body),
    });
  }

  it("is not there without a signing secret, and needs no admin token with one", async () => {
    const off = createApi(apiDeps({ adminToken: "token" }));
    expect((await off(signed("payload=%7B%7D"))).statusCode).toBe(404);
    const on = createApi(apiDeps({ adminToken: "token", slackSigningSecret: SECRET }));
    const unsigned = await on(request("payload=%7B%7D", {}));
    expect(unsigned.statusCode).toBe(401);
    expect(JSON.parse(unsigned.body ?? "{}").details[0].path).toBe("x-slack-request-timestamp");
  });

  it("answers a signed body in the wrong format with a 4xx naming it", async () => {
    const api = createApi(apiDeps({ slackSigningSecret: SECRET }));
    expect((await api(signed("{}", "application/json"))).statusCode).toBe(415);
    expect((await api(signed("nothing=here"))).statusCode).toBe(400);
    expect((await api(signed("payload=not-json"))).statusCode).toBe(400);
  });

  it("acknowledges other interactions (a link button's click) and does nothing", async () => {
    const api = createApi(apiDeps({ slackSigningSecret: SECRET }));
    const payload = {
      type: "block_actions",
      user: { id: "U1", username: "dana" },
      actions: [{ action_id: "send_reauth_link", value: "x" }],
    };
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const answer = await api(signed(body));
    expect(answer.statusCode).toBe(200);
    expect(answer.body).toBe("");
  });
});

describe("counters deployed: CloudWatch embedded metric format", () => {
  it("writes one EMF line per count, under dimension sets the alarms name", () => {
    const lines: string[] = [];
    const previous = recordMetricsTo(emfSink((line) => lines.push(line), "Quirkwatch/test"));
    try {
      count("notices_sent", { kind: "pagerduty", outcome: "failed" });
      count("events_accepted", { source: "stackone" }, 0);
    } finally {
      recordMetricsTo(previous);
    }
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] ?? "{}");
    expect(line).toMatchObject({
      _aws: {
        CloudWatchMetrics: [
          {
            Namespace: "Quirkwatch/test",
            Dimensions: [["outcome"], ["kind", "outcome"]],
            Metrics: [{ Name: "notices_sent", Unit: "Count" }],
          },
        ],
      },
      kind: "pagerduty",
      outcome: "failed",
      notices_sent: 1,
    });
  });

  it("keeps totals per label set on one machine", () => {
    const totals = new MetricTotals();
    totals.count("events_rejected", { reason: "signature" }, 1);
    totals.count("events_rejected", { reason: "signature" }, 2);
    expect(totals.snapshot().counters).toEqual([
      { name: "events_rejected", labels: { reason: "signature" }, value: 3 },
    ]);
  });
});
