import {
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { EventQueue, QueueMessage } from "../../events/queue.ts";
import { RetriesExhausted, type RetryPolicy, type RetrySettings, retry } from "../../retry.ts";
import { batchesOf } from "./batches.ts";

/** SendMessageBatch takes at most 10 entries and 256 KiB in all. */
const MAX_ENTRIES = 10;
const MAX_BATCH_BYTES = 256 * 1024;

/** Sends of what SQS did not take: 4 in all, the first retry after about 50 ms. */
export const SQS_RETRY: RetryPolicy = { attempts: 4, baseMs: 50, maxMs: 1_000 };

/** The events queue on SQS. `send` resolves only once SQS has taken every message. */
export class SqsEventQueue implements EventQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
    private readonly retrying: RetrySettings = {},
  ) {}

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
        { ...SQS_RETRY, ...this.retrying.policy },
        { sleep: this.retrying.sleep },
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
