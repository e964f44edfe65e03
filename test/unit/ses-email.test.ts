import {
  MessageRejected,
  SESv2Client,
  SendEmailCommand,
  TooManyRequestsException,
} from "@aws-sdk/client-sesv2";
import { SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { createHandler } from "../../functions/notify-email.ts";
import { SesEmailSender } from "../../shared/adapters/aws/ses-sender.ts";
import { SnsEmailSubscriptions } from "../../shared/adapters/aws/sns-subscriptions.ts";
import { createLogger, jsonSink } from "../../shared/log.ts";
import { ConfirmedAtOnce } from "../../shared/notify/email-subscriptions.ts";
import { adminApi, apiDeps } from "../support/api.ts";
import { MemorySubscriptionStore } from "../support/memory-ports.ts";
import { notice, snsEvent } from "../support/notices.ts";

/** Deployed email: SES v2 `SendEmail`, asserted at the SDK's boundary with aws-sdk-client-mock. */

const FROM = "Quirkwatch <alerts@quirkwatch.example>";
const TOPIC = "arn:aws:sns:eu-west-1:123456789012:alerts";
const ses = mockClient(SESv2Client);
const sns = mockClient(SNSClient);
const sender = new SesEmailSender(new SESv2Client({ region: "eu-west-1" }), {
  configurationSet: "quirkwatch",
});

let subscriptions: MemorySubscriptionStore;
let api: ReturnType<typeof adminApi>;
let logs: string[];

beforeEach(() => {
  ses.reset();
  sns.reset();
  ses.on(SendEmailCommand).resolves({ MessageId: "ses-1" });
  logs = [];
  subscriptions = new MemorySubscriptionStore();
  api = adminApi({
    ...apiDeps(),
    subscriptions: {
      subscriptions,
      email: new ConfirmedAtOnce(new SnsEmailSubscriptions(new SNSClient({}), TOPIC)),
      emailSending: { sender, from: FROM },
      allowLocalUrls: false,
    },
  });
});

const call = (route: string, id?: string, body?: unknown) =>
  api(route, { ...(id ? { params: { id } } : {}), body });

const handler = () =>
  createHandler({
    subscriptions,
    sender,
    from: FROM,
    log: createLogger(jsonSink((line) => logs.push(line))),
    // One attempt per invocation: the test plays the invocations of a notice one by one.
    retry: { policy: { attempts: 1 } },
  });

const sent = () => ses.commandCalls(SendEmailCommand).map((c) => c.args[0].input);

describe("email through SES", () => {
  it("subscribes without SNS: no confirmation link, confirmed, and testable", async () => {
    const created = await call("POST /subscriptions", undefined, {
      kind: "email",
      target: "oncall@example.com",
    });
    expect(created).toMatchObject({ status: 201, body: { status: "confirmed", testable: true } });
    expect(sns.commandCalls(SubscribeCommand)).toEqual([]);
  });

  it("sends each subscriber its own message, in its audience's words, from EMAIL_FROM", async () => {
    const internal = await call("POST /subscriptions", undefined, {
      kind: "email",
      target: "oncall@example.com",
    });
    const customer = await call("POST /subscriptions", undefined, {
      kind: "email",
      target: "hr@customer.example",
      filter: { audience: "customer" },
    });
    await handler()(snsEvent(notice(7)));

    const byRecipient = Object.fromEntries(
      sent().map((input) => [input.Destination?.ToAddresses?.join(","), input]),
    );
    expect(Object.keys(byRecipient).sort()).toEqual(["hr@customer.example", "oncall@example.com"]);
    expect(byRecipient["hr@customer.example"]).toEqual({
      FromEmailAddress: FROM,
      Destination: { ToAddresses: ["hr@customer.example"] },
      ConfigurationSetName: "quirkwatch",
      Content: {
        Simple: {
          Subject: {
            Data: "Hibob · Acme Corp: Your Hibob connection needs to be reconnected",
            Charset: "UTF-8",
          },
          Body: {
            Text: {
              Data: expect.stringContaining("Reconnect Hibob from the integrations page."),
              Charset: "UTF-8",
            },
            Html: { Data: expect.stringContaining("<p>Hello,</p>"), Charset: "UTF-8" },
          },
          Headers: [
            {
              Name: "List-Unsubscribe",
              Value: `<mailto:alerts@quirkwatch.example?subject=unsubscribe%20${customer.body.id}>`,
            },
            { Name: "X-Quirkwatch-Notice", Value: "inc_7.1.1.firing" },
            {
              Name: "X-Quirkwatch-Message-Id",
              Value: `<inc_7.1.1.firing.${customer.body.id}@quirkwatch.example>`,
            },
          ],
        },
      },
    });
    const customerText = byRecipient["hr@customer.example"]?.Content?.Simple?.Body?.Text?.Data;
    expect(customerText).not.toContain("hibob.token_expired");
    expect(byRecipient["oncall@example.com"]?.Content?.Simple?.Body?.Text?.Data).toContain(
      "Rule: hibob.token_expired",
    );
    expect(internal.body.id).not.toBe(customer.body.id);
  });

  it("retries what SES throttles, and not what SES rejects for good", async () => {
    await call("POST /subscriptions", undefined, { kind: "email", target: "oncall@example.com" });
    ses
      .on(SendEmailCommand)
      .rejectsOnce(
        new TooManyRequestsException({ message: "Maximum sending rate exceeded", $metadata: {} }),
      );
    await expect(handler()(snsEvent(notice(8)))).rejects.toThrow(/TooManyRequests/);

    ses
      .on(SendEmailCommand)
      .rejects(new MessageRejected({ message: "Email address is not verified.", $metadata: {} }));
    await expect(handler()(snsEvent(notice(9)))).resolves.toBeUndefined();
    expect(logs.join("\n")).toMatch(/email refused; not retried.*not verified/);
    expect(logs.join("\n")).not.toContain("oncall@example.com");
  });

  it("sends a test to that one address through SES", async () => {
    const one = await call("POST /subscriptions", undefined, {
      kind: "email",
      target: "oncall@example.com",
    });
    await call("POST /subscriptions", undefined, { kind: "email", target: "other@example.com" });
    const answer = await call("POST /subscriptions/{id}/test", one.body.id);
    expect(answer).toMatchObject({
      status: 200,
      body: {
        kind: "email",
        delivered: true,
        outcome: "delivered",
        detail: "Amazon SES accepted the message",
      },
    });
    expect(sent().map((i) => i.Destination?.ToAddresses)).toEqual([["oncall@example.com"]]);
    expect(sent()[0]?.Content?.Simple?.Subject?.Data).toMatch(/Test notice from Quirkwatch/);

    ses
      .on(SendEmailCommand)
      .rejects(new MessageRejected({ message: "Email address is not verified.", $metadata: {} }));
    const refused = await call("POST /subscriptions/{id}/test", one.body.id);
    expect(refused.body).toMatchObject({ delivered: false, outcome: "rejected" });
    expect(refused.body.detail).toMatch(
      /Amazon SES answered MessageRejected: Email address is not verified/,
    );
  });

  it("leaves a subscription made while email went through SNS to SNS, and offers no test", async () => {
    await subscriptions.create({
      id: "sub_legacy",
      kind: "email",
      target: "legacy@example.com",
      filter: {},
      created_at: "2024-05-01T00:00:00.000Z",
      sns_subscription_arn: `${TOPIC}:0b1c`,
    });
    sns.onAnyCommand().resolves({ Attributes: { PendingConfirmation: "false" } });
    const [listed] = (await call("GET /subscriptions")).body.subscriptions;
    expect(listed).toMatchObject({ id: "sub_legacy", status: "confirmed", testable: false });
    const answer = await call("POST /subscriptions/{id}/test", "sub_legacy");
    expect(answer.status).toBe(422);
    expect(answer.body.details[0].message).toMatch(/every matching subscriber/);

    await handler()(snsEvent(notice(10)));
    expect(sent()).toEqual([]);
  });
});
