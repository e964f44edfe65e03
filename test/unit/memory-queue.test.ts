import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { type DeadLetter, MemoryQueue } from "../../server/dynamodb/memory-queue.ts";
import type { QueueMessage } from "../../shared/events/queue.ts";
import { createLogger, memorySink } from "../../shared/log.ts";

function messages(...bodies: string[]): QueueMessage[] {
  return bodies.map((body, i) => ({ id: String(i), body }));
}

/** A consumer that records every batch and how many ran at once. */
function recorder(decide: (record: SQSRecord) => "ok" | "fail" = () => "ok") {
  const batches: SQSRecord[][] = [];
  let running = 0;
  let mostAtOnce = 0;
  const consumer = async (event: SQSEvent): Promise<SQSBatchResponse> => {
    running++;
    mostAtOnce = Math.max(mostAtOnce, running);
    batches.push(event.Records);
    await new Promise((resolve) => setImmediate(resolve));
    running--;
    return {
      batchItemFailures: event.Records.filter((r) => decide(r) === "fail").map((r) => ({
        itemIdentifier: r.messageId,
      })),
    };
  };
  return { consumer, batches, mostAtOnce: () => mostAtOnce };
}

const quiet = { onConsumerError: () => {} };

describe("MemoryQueue", () => {
  it("delivers in batches of at most batchSize, one batch at a time", async () => {
    const { consumer, batches, mostAtOnce } = recorder();
    const queue = new MemoryQueue(consumer, { batchSize: 10, windowMs: 5 });
    const bodies = Array.from({ length: 25 }, (_, i) => `{"n":${i}}`);
    await queue.send(messages(...bodies));
    await queue.drain();

    expect(batches.map((b) => b.length)).toEqual([10, 10, 5]);
    expect(batches.flat().map((r) => r.body)).toEqual(bodies);
    expect(mostAtOnce()).toBe(1);
  });

  it("builds SQS records: unique ids, receive count, aws:sqs source", async () => {
    const { consumer, batches } = recorder();
    const queue = new MemoryQueue(consumer, { windowMs: 0 });
    await queue.send(messages("a", "b"));
    await queue.drain();

    const records = batches.flat();
    expect(records).toHaveLength(2);
    expect(new Set(records.map((r) => r.messageId)).size).toBe(2);
    for (const record of records) {
      expect(record.messageId).toMatch(/^[0-9a-f-]{36}$/);
      expect(record.eventSource).toBe("aws:sqs");
      expect(record.attributes.ApproximateReceiveCount).toBe("1");
    }
  });

  it("gathers messages sent within the window into one batch", async () => {
    const { consumer, batches } = recorder();
    const queue = new MemoryQueue(consumer, { windowMs: 20 });
    await queue.send(messages("a"));
    await queue.send(messages("b"));
    await queue.send(messages("c"));
    await queue.drain();
    expect(batches.map((b) => b.map((r) => r.body))).toEqual([["a", "b", "c"]]);
  });

  it("redelivers only the items the consumer reported failed", async () => {
    let failedOnce = false;
    const { consumer, batches } = recorder((record) => {
      if (record.body === "flaky" && !failedOnce) {
        failedOnce = true;
        return "fail";
      }
      return "ok";
    });
    const queue = new MemoryQueue(consumer, { windowMs: 0, retryDelayMs: 1 });
    await queue.send(messages("ok-1", "flaky", "ok-2"));
    await queue.drain();

    expect(batches.map((b) => b.map((r) => r.body))).toEqual([
      ["ok-1", "flaky", "ok-2"],
      ["flaky"],
    ]);
    const [first, second] = batches.map((b) => b.find((r) => r.body === "flaky"));
    expect(second?.messageId).toBe(first?.messageId);
    expect(second?.attributes.ApproximateReceiveCount).toBe("2");
    expect(queue.deadLetters).toEqual([]);
  });

  it("redelivers the whole batch when the consumer throws", async () => {
    const seen: string[][] = [];
    let calls = 0;
    const queue = new MemoryQueue(
      async (event) => {
        seen.push(event.Records.map((r) => r.body));
        calls++;
        if (calls === 1) throw new Error("processor crashed");
      },
      { windowMs: 0, retryDelayMs: 1, ...quiet },
    );
    await queue.send(messages("a", "b"));
    await queue.drain();
    expect(seen).toEqual([
      ["a", "b"],
      ["a", "b"],
    ]);
  });

  it("fails the whole batch when the consumer names an item not in it", async () => {
    let calls = 0;
    const queue = new MemoryQueue(
      async () => {
        calls++;
        return calls === 1 ? { batchItemFailures: [{ itemIdentifier: "" }] } : undefined;
      },
      { windowMs: 0, retryDelayMs: 1 },
    );
    await queue.send(messages("a", "b"));
    await queue.drain();
    expect(calls).toBe(2);
    expect(queue.stats().deliveredRecords).toBe(4);
  });

  it("dead-letters a message after maxReceiveCount receives", async () => {
    const dead: DeadLetter[] = [];
    const { consumer, batches } = recorder((r) => (r.body === "poison" ? "fail" : "ok"));
    const queue = new MemoryQueue(consumer, {
      windowMs: 0,
      retryDelayMs: 1,
      maxReceiveCount: 3,
      onDeadLetter: (message) => dead.push(message),
    });
    await queue.send(messages("poison", "fine"));
    await queue.drain();

    const receipts = batches.flat();
    expect(receipts.filter((r) => r.body === "poison")).toHaveLength(3);
    expect(receipts.filter((r) => r.body === "fine")).toHaveLength(1);
    expect(queue.deadLetters).toEqual([
      expect.objectContaining({ body: "poison", receiveCount: 3 }),
    ]);
    expect(dead).toEqual(queue.deadLetters);
    expect(queue.stats()).toMatchObject({ sent: 2, deadLettered: 1, pending: 0, inFlight: 0 });
  });

  it("keeps going when onDeadLetter throws", async () => {
    const errors = memorySink();
    const queue = new MemoryQueue(
      async () => {
        throw new Error("always");
      },
      {
        windowMs: 0,
        retryDelayMs: 1,
        maxReceiveCount: 1,
        onConsumerError: () => {},
        onDeadLetter: () => {
          throw new Error("callback broke");
        },
        log: createLogger(errors),
      },
    );
    await queue.send(messages("a"));
    await queue.drain();
    await queue.send(messages("b"));
    await queue.drain();
    expect(queue.deadLetters.map((d) => d.body)).toEqual(["a", "b"]);
    expect(errors.records).toHaveLength(2);
  });

  it("drain waits for a batch still being consumed", async () => {
    let release: () => void = () => {};
    const blocked = new Promise<void>((resolve) => {
      release = resolve;
    });
    let consumed = 0;
    const queue = new MemoryQueue(
      async (event) => {
        await blocked;
        consumed += event.Records.length;
      },
      { windowMs: 0 },
    );
    await queue.drain(); // nothing sent: already idle

    await queue.send(messages("a", "b"));
    let drained = false;
    const draining = queue.drain().then(() => {
      drained = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(drained).toBe(false);
    expect(queue.stats()).toMatchObject({ inFlight: 1, deliveredBatches: 1 });

    release();
    await draining;
    expect(consumed).toBe(2);
    expect(queue.stats()).toMatchObject({ sent: 2, deliveredBatches: 1, pending: 0, inFlight: 0 });
  });

  it("runs batches side by side when concurrency allows", async () => {
    const { consumer, batches, mostAtOnce } = recorder();
    const queue = new MemoryQueue(consumer, { batchSize: 1, windowMs: 0, concurrency: 3 });
    await queue.send(messages("a", "b", "c", "d", "e", "f"));
    await queue.drain();
    expect(batches).toHaveLength(6);
    expect(mostAtOnce()).toBe(3);
  });

  it("refuses a message larger than SQS takes", async () => {
    const queue = new MemoryQueue(async () => {});
    await expect(queue.send(messages("x".repeat(256 * 1024 + 1)))).rejects.toThrow(/256 KiB/);
    expect(queue.stats().sent).toBe(0);
  });
});
