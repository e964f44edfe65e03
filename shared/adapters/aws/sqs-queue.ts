import {
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { EventQueue, QueueMessage } from "../../events/queue.ts";
import { RetriesExhausted, type RetryPolicy, retry, sleep } from "../../retry.ts";
import { batchesOf } from "./batches.ts";

/** SendMessageBatch takes at most 10 entries and 256 KiB in all. */
const MAX_ENTRIES = 10;
const MAX_BATCH_BYTES = 256 * 1024;

export type SqsRetryOptions = {
  /** Sends of the same message before giving up, the first included. */
  maxAttempts?: number;
  /** Delay before the first retry; doubled each time, with jitter. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
};

/** The events queue on SQS. `send` resolves only once SQS has taken every message. */
export class SqsEventQueue implements EventQueue {
  private readonly policy: RetryPolicy;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
    options: SqsRetryOptions = {},
  ) {
    this.policy = {
      attempts: Math.max(1, options.maxAttempts ?? 4),
      baseMs: options.baseDelayMs ?? 50,
      maxMs: options.maxDelayMs ?? 1_000,
    };
    this.sleep = options.sleep ?? sleep;
  }

  async send(messages: QueueMessage[]): Promise<void> {
    for (const message of messages) {
      if (Buffer.byteLength(message.body) > MAX_BATCH_BYTES) {
        throw new Error(`message ${message.id} is larger than SQS takes (256 KiB)`);
      }
    }
    // Each try sends only what SQS has not taken yet.
    let pending = messages;
    try {
      await retry(
        async () => {
          const results = await Promise.all(batches(pending).map((batch) => this.sendBatch(batch)));
          pending = results.flatMap((r) => r.failed);
          if (pending.length > 0) {
            throw new Error([...new Set(results.flatMap((r) => r.reasons))].join(", "));
          }
        },
        this.policy,
        { sleep: this.sleep },
      );
    } catch (error) {
      if (!(error instanceof RetriesExhausted)) throw error;
      throw new Error(
        `SQS did not take ${pending.length} of ${messages.length} messages after ${error.attempts} attempts (${(error.cause as Error).message})`,
      );
    }
  }

  private async sendBatch(
    batch: QueueMessage[],
  ): Promise<{ failed: QueueMessage[]; reasons: string[] }> {
    // Entry ids are positions in the batch: SQS allows only [A-Za-z0-9_-]{1,80}.
    const entries: SendMessageBatchRequestEntry[] = batch.map((message, index) => ({
      Id: String(index),
      MessageBody: message.body,
    }));
    try {
      const output = await this.client.send(
        new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries }),
      );
      // Only what SQS reports as successful counts as taken; anything unreported is retried.
      const taken = new Set((output.Successful ?? []).map((s) => s.Id));
      const failed = batch.filter((_, index) => !taken.has(String(index)));
      const reasons = (output.Failed ?? []).map((f) => f.Code ?? "unknown");
      return {
        failed,
        reasons: failed.length > reasons.length ? [...reasons, "unreported"] : reasons,
      };
    } catch (error) {
      return { failed: batch, reasons: [error instanceof Error ? error.name : "unknown error"] };
    }
  }
}

/** Splits messages into batches of at most 10 entries and 256 KiB. */
const batches = (messages: QueueMessage[]) =>
  batchesOf(messages, (m) => Buffer.byteLength(m.body), {
    maxEntries: MAX_ENTRIES,
    maxBytes: MAX_BATCH_BYTES,
  });
