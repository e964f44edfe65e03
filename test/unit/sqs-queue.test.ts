import {
  SendMessageBatchCommand,
  type SendMessageBatchCommandInput,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { SqsEventQueue } from "../../shared/adapters/aws/sqs-queue.ts";
import type { QueueMessage } from "../../shared/events/queue.ts";

const QUEUE_URL = "https://sqs.eu-west-1.amazonaws.com/123456789012/events";
const sqs = mockClient(SQSClient);
const delays: number[] = [];
const noWait = async (ms: number) => {
  delays.push(ms);
};

function messages(count: number, body = (i: number) => `{"n":${i}}`): QueueMessage[] {
  return Array.from({ length: count }, (_, i) => ({ id: String(i), body: body(i) }));
}

/** SQS's answer when it takes every entry of the batch. */
function allTaken(input: SendMessageBatchCommandInput) {
  return {
    Successful: (input.Entries ?? []).map((e) => ({
      Id: e.Id,
      MessageId: `m-${e.Id}`,
      MD5OfMessageBody: "x",
    })),
    Failed: [],
  };
}

function bodiesSent(): string[] {
  return sqs
    .commandCalls(SendMessageBatchCommand)
    .flatMap((call) => call.args[0].input.Entries ?? [])
    .map((e) => e.MessageBody ?? "");
}

beforeEach(() => {
  sqs.reset();
  delays.length = 0;
});

describe("SqsEventQueue", () => {
  it("sends 25 messages in 3 batches of at most 10", async () => {
    sqs.on(SendMessageBatchCommand).callsFake(allTaken);
    const queue = new SqsEventQueue(new SQSClient({}), QUEUE_URL, { sleep: noWait });
    await queue.send(messages(25));

    const calls = sqs.commandCalls(SendMessageBatchCommand);
    expect(calls.map((c) => c.args[0].input.Entries?.length)).toEqual([10, 10, 5]);
    expect(calls.every((c) => c.args[0].input.QueueUrl === QUEUE_URL)).toBe(true);
    expect(bodiesSent().sort()).toEqual(
      messages(25)
        .map((m) => m.body)
        .sort(),
    );
  });

  it("splits a batch that would exceed 256 KiB", async () => {
    sqs.on(SendMessageBatchCommand).callsFake(allTaken);
    const queue = new SqsEventQueue(new SQSClient({}), QUEUE_URL, { sleep: noWait });
    // Four 100 KB bodies: no more than two fit in one 256 KiB batch.
    await queue.send(messages(4, (i) => `${i}`.padEnd(100_000, "x")));

    const calls = sqs.commandCalls(SendMessageBatchCommand);
    expect(calls.length).toBe(2);
    for (const call of calls) {
      const bytes = (call.args[0].input.Entries ?? []).reduce(
        (sum, e) => sum + Buffer.byteLength(e.MessageBody ?? ""),
        0,
      );
      expect(bytes).toBeLessThanOrEqual(256 * 1024);
    }
  });

  it("retries only the entries SQS reported failed, then succeeds", async () => {
    sqs
      .on(SendMessageBatchCommand)
      .callsFakeOnce((input: SendMessageBatchCommandInput) => {
        const entries = input.Entries ?? [];
        return {
          Successful: entries
            .slice(2)
            .map((e) => ({ Id: e.Id, MessageId: "m", MD5OfMessageBody: "x" })),
          Failed: entries
            .slice(0, 2)
            .map((e) => ({ Id: e.Id, Code: "InternalError", SenderFault: false })),
        };
      })
      .callsFake(allTaken);
    const queue = new SqsEventQueue(new SQSClient({}), QUEUE_URL, { sleep: noWait });
    await queue.send(messages(5));

    const calls = sqs.commandCalls(SendMessageBatchCommand);
    expect(calls.length).toBe(2);
    expect(calls[1]?.args[0].input.Entries?.map((e) => e.MessageBody)).toEqual([
      '{"n":0}',
      '{"n":1}',
    ]);
    expect(delays.length).toBe(1);
  });

  it("retries a thrown error, then succeeds", async () => {
    sqs
      .on(SendMessageBatchCommand)
      .rejectsOnce(Object.assign(new Error("socket hang up"), { name: "TimeoutError" }))
      .callsFake(allTaken);
    const queue = new SqsEventQueue(new SQSClient({}), QUEUE_URL, { sleep: noWait });
    await queue.send(messages(3));

    expect(sqs.commandCalls(SendMessageBatchCommand).length).toBe(2);
    expect(bodiesSent().slice(3)).toEqual(messages(3).map((m) => m.body));
  });

  it("throws naming how many messages were not taken when failures persist", async () => {
    sqs.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => {
      const entries = input.Entries ?? [];
      return {
        Successful: entries
          .slice(1)
          .map((e) => ({ Id: e.Id, MessageId: "m", MD5OfMessageBody: "x" })),
        Failed: entries
          .slice(0, 1)
          .map((e) => ({ Id: e.Id, Code: "InternalError", SenderFault: false })),
      };
    });
    const queue = new SqsEventQueue(new SQSClient({}), QUEUE_URL, {
      policy: { attempts: 3 },
      sleep: noWait,
    });

    await expect(queue.send(messages(12))).rejects.toThrow(/did not take 1 of 12 messages/);
    // Two batches first, then the one entry still failing, twice more.
    expect(sqs.commandCalls(SendMessageBatchCommand).length).toBe(4);
    expect(delays.length).toBe(2);
  });

  it("throws when every attempt throws", async () => {
    sqs.on(SendMessageBatchCommand).rejects(new Error("unreachable"));
    const queue = new SqsEventQueue(new SQSClient({}), QUEUE_URL, {
      policy: { attempts: 2 },
      sleep: noWait,
    });
    await expect(queue.send(messages(2))).rejects.toThrow(/did not take 2 of 2 messages/);
  });

  it("waits longer before each retry, within the maximum", async () => {
    sqs.on(SendMessageBatchCommand).rejects(new Error("unreachable"));
    const queue = new SqsEventQueue(new SQSClient({}), QUEUE_URL, {
      policy: { attempts: 6, baseMs: 100, maxMs: 400 },
      sleep: noWait,
    });
    await expect(queue.send(messages(1))).rejects.toThrow();
    expect(delays.length).toBe(5);
    // Full jitter: each delay is at most its exponential step (100, 200, 400, 400, 400).
    [100, 200, 400, 400, 400].forEach((step, i) => {
      expect(delays[i]).toBeGreaterThanOrEqual(0);
      expect(delays[i]).toBeLessThanOrEqual(step);
    });
  });

  it("counts a message SQS did not report at all as not taken", async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({ Successful: [], Failed: [] })
      .callsFake(allTaken);
    const queue = new SqsEventQueue(new SQSClient({}), QUEUE_URL, { sleep: noWait });
    await queue.send(messages(2));
    expect(sqs.commandCalls(SendMessageBatchCommand).length).toBe(2);
  });

  it("uses entry ids SQS accepts whatever the message ids are", async () => {
    sqs.on(SendMessageBatchCommand).callsFake(allTaken);
    const queue = new SqsEventQueue(new SQSClient({}), QUEUE_URL, { sleep: noWait });
    await queue.send([{ id: "evt:1/ä", body: "{}" }]);
    const ids = sqs
      .commandCalls(SendMessageBatchCommand)[0]
      ?.args[0].input.Entries?.map((e) => e.Id);
    expect(ids?.every((id) => /^[A-Za-z0-9_-]{1,80}$/.test(id ?? ""))).toBe(true);
  });

  it("sends nothing for no messages", async () => {
    const queue = new SqsEventQueue(new SQSClient({}), QUEUE_URL, { sleep: noWait });
    await queue.send([]);
    expect(sqs.commandCalls(SendMessageBatchCommand).length).toBe(0);
  });
});
