import {
  PublishBatchCommand,
  type PublishBatchCommandInput,
  type PublishBatchRequestEntry,
  SNSClient,
} from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { SNS_MAX_BYTES, SnsAlertBus } from "../../shared/adapters/aws/sns-bus.ts";
import type { Notice } from "../../shared/incidents/notice.ts";
import { emailsFor } from "../../shared/notify/email.ts";
import { notice as customerNotice } from "../support/notices.ts";

const TOPIC = "arn:aws:sns:eu-west-1:123456789012:alerts";

/** A notice only we must act on: published once, as the internal message. */
const notice = (n = 0, incident: Parameters<typeof customerNotice>[1] = {}) =>
  customerNotice(n, { must_act: "us", customer: undefined, ...incident });
const sns = mockClient(SNSClient);
const noWait = async () => undefined;

function entries(call: number): PublishBatchRequestEntry[] {
  const input = sns.commandCalls(PublishBatchCommand)[call]?.args[0].input;
  return input?.PublishBatchRequestEntries ?? [];
}

/** SNS accepting every entry it is given. */
function acceptAll(input: PublishBatchCommandInput) {
  return {
    Successful: (input.PublishBatchRequestEntries ?? []).map((e) => ({
      Id: e.Id,
      MessageId: `m-${e.Id}`,
    })),
    Failed: [],
  };
}

/** SNS failing the entries whose index is in `failing`, accepting the rest. */
function failSome(failing: number[], senderFault = false) {
  return (input: PublishBatchCommandInput) => {
    const all = input.PublishBatchRequestEntries ?? [];
    return {
      Successful: all
        .filter((_, i) => !failing.includes(i))
        .map((e) => ({ Id: e.Id, MessageId: "m" })),
      Failed: all
        .filter((_, i) => failing.includes(i))
        .map((e) => ({
          Id: e.Id,
          Code: senderFault ? "InvalidParameter" : "InternalError",
          SenderFault: senderFault,
        })),
    };
  };
}

beforeEach(() => {
  sns.reset();
  sns.on(PublishBatchCommand).callsFake(acceptAll);
});

describe("SnsAlertBus.publish", () => {
  it("publishes one JSON-structured message per notice, with a body per protocol", async () => {
    const n = notice();
    await new SnsAlertBus(new SNSClient({}), TOPIC, emailsFor).publish([n]);

    const [entry, ...more] = entries(0);
    expect(more).toEqual([]);
    expect(sns.commandCalls(PublishBatchCommand)[0]?.args[0].input.TopicArn).toBe(TOPIC);
    expect(entry?.MessageStructure).toBe("json");
    const message = JSON.parse(entry?.Message ?? "{}");
    for (const protocol of ["default", "email-json", "https", "lambda"]) {
      expect(JSON.parse(message[protocol])).toEqual(n);
    }
    // Only we must act: the one email is the internal one, with every detail.
    expect(message.email).toContain("Rule: hibob.token_expired");
    expect(message.email).toContain("Incident: inc_0");
    expect(message.email).toContain("req_1");
    expect(entry?.Subject).toBe(
      "[error] reauth_required: Hibob service user token expired · Acme Corp (acct_0) · hibob",
    );
  });

  it("publishes a notice the customer must act on twice: internal and customer wording", async () => {
    await new SnsAlertBus(new SNSClient({}), TOPIC, emailsFor).publish([customerNotice(0)]);
    const [internal, customer] = entries(0);
    expect(internal?.MessageAttributes?.audience).toEqual({
      DataType: "String",
      StringValue: "internal",
    });
    expect(customer?.MessageAttributes?.audience).toEqual({
      DataType: "String",
      StringValue: "customer",
    });
    expect(internal?.Subject).toMatch(/^\[error\] reauth_required/);
    expect(JSON.parse(internal?.Message ?? "{}").email).toContain("Rule: hibob.token_expired");
    expect(customer?.Subject).toBe(
      "Hibob · Acme Corp: Your Hibob connection needs to be reconnected",
    );
    const email: string = JSON.parse(customer?.Message ?? "{}").email;
    for (const internalWord of ["inc_0", "req_1", "hibob.token_expired", "acct_0"]) {
      expect(email).not.toContain(internalWord);
    }
    expect(internal?.Id).not.toBe(customer?.Id);
  });

  it("tells no customer that a deleted account's incident was closed", async () => {
    await new SnsAlertBus(new SNSClient({}), TOPIC, emailsFor).publish([
      { ...customerNotice(0, {}, "resolved"), resolution: "account_deleted" },
    ]);
    expect(entries(0).map((e) => e.MessageAttributes?.audience?.StringValue)).toEqual(["internal"]);
  });

  it("sets the attributes that filter policies select on", async () => {
    await new SnsAlertBus(new SNSClient({}), TOPIC, emailsFor).publish([notice(7)]);
    expect(entries(0)[0]?.MessageAttributes).toEqual({
      account_id: { DataType: "String", StringValue: "acct_7" },
      provider: { DataType: "String", StringValue: "hibob" },
      category: { DataType: "String", StringValue: "reauth_required" },
      severity: { DataType: "String", StringValue: "error" },
      kind: { DataType: "String", StringValue: "firing" },
      audience: { DataType: "String", StringValue: "internal" },
    });
  });

  it("publishes 23 notices in 3 batches of at most 10, with unique safe entry ids", async () => {
    const notices = Array.from({ length: 23 }, (_, i) => notice(i));
    await new SnsAlertBus(new SNSClient({}), TOPIC, emailsFor).publish(notices);

    expect(sns.commandCalls(PublishBatchCommand).map((_, i) => entries(i).length)).toEqual([
      10, 10, 3,
    ]);
    const ids = [0, 1, 2].flatMap((i) => entries(i).map((e) => e.Id));
    expect(new Set(ids).size).toBe(23);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
  });

  it("makes a safe entry id from any notice id", async () => {
    await new SnsAlertBus(new SNSClient({}), TOPIC, emailsFor).publish([
      { ...notice(), id: `ünïcödé:${"x".repeat(200)}` },
    ]);
    expect(entries(0)[0]?.Id).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
  });

  it("retries only the entry that failed, and resolves once it is published", async () => {
    sns
      .on(PublishBatchCommand)
      .callsFakeOnce(failSome([1]))
      .callsFake(acceptAll);
    await new SnsAlertBus(new SNSClient({}), TOPIC, emailsFor, { sleep: noWait }).publish([
      notice(0),
      notice(1),
      notice(2),
    ]);

    expect(sns.commandCalls(PublishBatchCommand)).toHaveLength(2);
    expect(entries(1).map((e) => e.Id)).toEqual([entries(0)[1]?.Id]);
  });

  it("throws when an entry keeps failing, after a few attempts", async () => {
    sns.on(PublishBatchCommand).callsFake(failSome([0]));
    const bus = new SnsAlertBus(new SNSClient({}), TOPIC, emailsFor, {
      policy: { attempts: 3 },
      sleep: noWait,
    });
    await expect(bus.publish([notice(0), notice(1)])).rejects.toThrow(
      /1 of 2 messages.*InternalError/,
    );
    expect(sns.commandCalls(PublishBatchCommand)).toHaveLength(3);
  });

  it("does not retry an entry SNS rejected as malformed, but still throws", async () => {
    sns.on(PublishBatchCommand).callsFake(failSome([0], true));
    const bus = new SnsAlertBus(new SNSClient({}), TOPIC, emailsFor, { sleep: noWait });
    await expect(bus.publish([notice(0)])).rejects.toThrow(/InvalidParameter/);
    expect(sns.commandCalls(PublishBatchCommand)).toHaveLength(1);
  });

  it("treats an entry SNS reported neither way as not published", async () => {
    sns.on(PublishBatchCommand).resolves({ Successful: [], Failed: [] });
    const bus = new SnsAlertBus(new SNSClient({}), TOPIC, emailsFor, {
      policy: { attempts: 2 },
      sleep: noWait,
    });
    await expect(bus.publish([notice(0)])).rejects.toThrow(/not published/);
  });

  it("cuts a huge notice's messages and request ids to fit in one message", async () => {
    const huge = notice(0, {
      messages: Array.from({ length: 50 }, (_, i) => `${i}: ${"é😀".repeat(20_000)}`),
      request_ids: Array.from({ length: 1_000 }, (_, i) => `req_${i}_${"x".repeat(200)}`),
    });
    await new SnsAlertBus(new SNSClient({}), TOPIC, emailsFor).publish([huge]);

    const [entry] = entries(0);
    expect(Buffer.byteLength(entry?.Message ?? "")).toBeLessThan(SNS_MAX_BYTES);
    const published: Notice = JSON.parse(JSON.parse(entry?.Message ?? "{}").default);
    // The newest are kept, and the notice is otherwise intact.
    expect(published.incident.messages.at(-1)?.startsWith("49: ")).toBe(true);
    expect(published.incident.request_ids.length).toBeLessThan(1_000);
    expect(published.id).toBe(huge.id);
    expect(published.incident.account).toEqual(huge.incident.account);
  });

  it("splits batches so no PublishBatch carries more than 256 KiB", async () => {
    const big = Array.from({ length: 10 }, (_, i) =>
      notice(i, { messages: [`${"m".repeat(7_000)}`], what_happened: "w".repeat(3_000) }),
    );
    await new SnsAlertBus(new SNSClient({}), TOPIC, emailsFor).publish(big);

    const calls = sns.commandCalls(PublishBatchCommand);
    expect(calls.length).toBeGreaterThan(1);
    expect(calls.reduce((sum, _, i) => sum + entries(i).length, 0)).toBe(10);
    for (const [i] of calls.entries()) {
      const bytes = entries(i).reduce((sum, e) => sum + Buffer.byteLength(e.Message ?? ""), 0);
      expect(bytes).toBeLessThanOrEqual(SNS_MAX_BYTES);
    }
  });
});
