import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENGINES, type Stack } from "../../server/stack.ts";
import { hibobRevoked } from "../support/factories.ts";
import { sendStackone, startTestStack } from "../support/in-process-stack.ts";
import { callApi } from "../support/local-stack.ts";
import {
  header,
  part,
  type ReceivedMail,
  startSmtpServer,
  type TestSmtpServer,
} from "../support/smtp-server.ts";

/**
 * `npm start` with SMTP_URL and EMAIL_FROM: email leaves through a real SMTP server on
 * 127.0.0.1, one message per subscription, and "send test" reaches one address.
 */

const TOKEN = "smtp-admin";
const FROM = "Quirkwatch <alerts@quirkwatch.example>";

for (const engine of ENGINES)
  describe(`email through SMTP in the local stack (${engine})`, () => {
    let stack: Stack;
    let smtp: TestSmtpServer;
    const lines: string[] = [];

    const api = (method: string, path: string, body?: unknown) =>
      callApi(stack, method, path, body);

    const failed = (id: string, status: number) =>
      sendStackone(
        stack,
        hibobRevoked(id, new Date(), {
          data: { statusCode: status, message: "Refused", request_id: `req_${id}` },
        }),
      );

    const to = (address: string) => (m: ReceivedMail) => m.to.includes(address);
    const subjects = (messages: ReceivedMail[]) => messages.map((m) => header(m.raw, "subject"));

    beforeAll(async () => {
      smtp = await startSmtpServer();
      stack = await startTestStack({
        engine,
        adminToken: TOKEN,
        email: { smtpUrl: smtp.url, from: FROM },
        log: (line) => lines.push(line),
      });
    });

    afterAll(async () => {
      await stack?.close();
      await smtp?.close();
    });

    let customerId = "";
    it("subscribes email at once and sends a test to that one address", async () => {
      const oncall = await api("POST", "/subscriptions", {
        kind: "email",
        target: "oncall@example.com",
      });
      const customer = await api("POST", "/subscriptions", {
        kind: "email",
        target: "hr@customer.example",
        filter: { account_ids: ["acc_9"], audience: "customer" },
      });
      expect(oncall.body).toMatchObject({ status: "confirmed", testable: true });
      customerId = customer.body.id;

      const answer = await api("POST", `/subscriptions/${customerId}/test`);
      expect(answer).toMatchObject({
        status: 200,
        body: { delivered: true, outcome: "delivered" },
      });
      expect(answer.body.detail).toMatch(/^SMTP at 127\.0\.0\.1:\d+ accepted the message$/);
      const [test] = await smtp.waitFor(1);
      expect(test?.to).toEqual(["hr@customer.example"]);
      expect(header(test?.raw ?? "", "subject")).toMatch(/Test notice from Quirkwatch/);
      smtp.received.length = 0;
    });

    it("emails each problem to on-call and to the customer's admin, each in their words", async () => {
      await failed("evt_401", 401);
      await failed("evt_403", 403);
      const received = await smtp.waitFor(4);
      expect(subjects(received.filter(to("hr@customer.example"))).sort()).toEqual([
        "Hibob · Acme GmbH: Your Hibob connection is missing a permission",
        "Hibob · Acme GmbH: Your Hibob connection needs new service user credentials",
      ]);
      for (const message of received.filter(to("hr@customer.example"))) {
        expect(part(message.raw, "text/plain")).not.toMatch(/stackone|req_evt|acc_9/i);
        expect(part(message.raw, "text/html")).toContain("<p>Hello,</p>");
      }
      expect(
        subjects(received.filter(to("oncall@example.com"))).every((s) => s?.startsWith("[")),
      ).toBe(true);
      expect(lines.some((l) => l.startsWith("📧 EMAIL sent to hr@customer.example"))).toBe(true);
      // What was sent is kept, as printed email was (a test is answered, not kept).
      const outbox = await api("GET", "/outbox");
      expect(outbox.body.emails).toHaveLength(4);
      smtp.received.length = 0;
    });

    it("tells the customer once when the reconnect fixes both, and on-call of each", async () => {
      await sendStackone(stack, {
        event_date: new Date().toISOString(),
        event: "account.updated",
        account_id: "acc_9",
        provider: "hibob",
        data: { id: "acc_9", status: "active" },
      });
      // The stack settled: every delivery the reconnect caused is done.
      const received = await smtp.waitFor(3);
      expect(smtp.received).toHaveLength(3);
      const customer = received.filter(to("hr@customer.example"));
      expect(subjects(customer)).toEqual(["Hibob · Acme GmbH: your connection is working again"]);
      expect(part(customer[0]?.raw ?? "", "text/plain")).toContain(
        "Good news: every problem with your Hibob connection has been resolved.",
      );
      expect(
        subjects(received.filter(to("oncall@example.com"))).map((s) => s?.split(" ")[0]),
      ).toEqual(["[resolved]", "[resolved]"]);
    });
  });
