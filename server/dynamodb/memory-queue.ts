import { createHash, randomUUID } from "node:crypto";
import type { SQSBatchItemFailure, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import type { EventQueue, QueueMessage } from "../../shared/events/queue.ts";
import { errorText, fallbackLog, type Logger } from "../../shared/log.ts";

/**
 * The events queue in process, for the local stack and tests: SQS with Lambda's event source
 * mapping in front of a consumer. Messages are delivered in batches, at least once; the items a
 * consumer reports in `batchItemFailures` (or a whole batch, when it throws) come back after
 * `retryDelayMs`, and go to `deadLetters` once received `maxReceiveCount` times.
 */

// The same return type as an SQS Lambda handler, which may return nothing.
// biome-ignore lint/suspicious/noConfusingVoidType: a consumer that returns nothing failed nothing
export type MemoryQueueConsumer = (event: SQSEvent) => Promise<SQSBatchResponse | void>;

export type DeadLetter = { messageId: string; body: string; receiveCount: number };

export type MemoryQueueOptions = {
  /** Most records in one delivery (Lambda's BatchSize). */
  batchSize?: number;
  /** How long a partial batch waits for more messages (Lambda's batching window). */
  windowMs?: number;
  /** Receives before a message is dead-lettered (the redrive policy's maxReceiveCount). */
  maxReceiveCount?: number;
  /** How long a failed message stays invisible before it is delivered again. */
  retryDelayMs?: number;
  /** Batches delivered at once; 1 keeps the consumer's calls in sequence. */
  concurrency?: number;
  onDeadLetter?: (message: DeadLetter) => void;
  /** Told when the consumer throws; by default an error record on `log`. */
  onConsumerError?: (error: unknown) => void;
  log?: Logger;
};

export type MemoryQueueStats = {
  sent: number;
  deliveredBatches: number;
  deliveredRecords: number;
  deadLettered: number;
  /** Waiting for delivery or for a retry. */
  pending: number;
  inFlight: number;
};

type Stored = {
  messageId: string;
  body: string;
  sentAt: number;
  firstReceivedAt?: number;
  receiveCount: number;
  /** When it became visible, for the batching window. */
  visibleAt: number;
};

const MAX_MESSAGE_BYTES = 256 * 1024;
const QUEUE_ARN = "arn:aws:sqs:local:000000000000:quirkwatch-events";

export class MemoryQueue implements EventQueue {
  readonly deadLetters: DeadLetter[] = [];

  private readonly batchSize: number;
  private readonly windowMs: number;
  private readonly maxReceiveCount: number;
  private readonly retryDelayMs: number;
  private readonly concurrency: number;
  private readonly onDeadLetter: ((message: DeadLetter) => void) | undefined;
  private readonly onConsumerError: (error: unknown) => void;

  private readonly visible: Stored[] = [];
  private invisible = 0;
  private inFlight = 0;
  private windowTimer: NodeJS.Timeout | undefined;
  private idleWaiters: (() => void)[] = [];
  private counts = { sent: 0, deliveredBatches: 0, deliveredRecords: 0 };

  private readonly log: Logger;

  constructor(
    private readonly consumer: MemoryQueueConsumer,
    options: MemoryQueueOptions = {},
  ) {
    this.batchSize = Math.max(1, options.batchSize ?? 100);
    this.windowMs = Math.max(0, options.windowMs ?? 50);
    this.maxReceiveCount = Math.max(1, options.maxReceiveCount ?? 5);
    this.retryDelayMs = Math.max(0, options.retryDelayMs ?? 500);
    this.concurrency = Math.max(1, options.concurrency ?? 1);
    this.onDeadLetter = options.onDeadLetter;
    this.log = options.log ?? fallbackLog;
    this.onConsumerError =
      options.onConsumerError ??
      ((error) => this.log.error("queue consumer failed", { error: errorText(error) }));
  }

  /** Resolves once every message is stored; delivery happens later, as with SQS. */
  async send(messages: QueueMessage[]): Promise<void> {
    for (const message of messages) {
      if (Buffer.byteLength(message.body) > MAX_MESSAGE_BYTES) {
        throw new Error(`message ${message.id} is larger than SQS takes (256 KiB)`);
      }
    }
    const now = Date.now();
    for (const message of messages) {
      this.visible.push({
        messageId: randomUUID(),
        body: message.body,
        sentAt: now,
        receiveCount: 0,
        visibleAt: now,
      });
    }
    this.counts.sent += messages.length;
    this.pump();
  }

  /** Resolves when nothing is waiting, being retried or being consumed. */
  drain(): Promise<void> {
    if (this.idle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stats(): MemoryQueueStats {
    return {
      ...this.counts,
      deadLettered: this.deadLetters.length,
      pending: this.visible.length + this.invisible,
      inFlight: this.inFlight,
    };
  }

  private idle(): boolean {
    return this.visible.length === 0 && this.invisible === 0 && this.inFlight === 0;
  }

  /** Delivers full batches now, and a partial one once its oldest message has waited a window. */
  private pump(): void {
    while (this.inFlight < this.concurrency && this.visible.length > 0) {
      const oldest = this.visible[0];
      const full = this.visible.length >= this.batchSize;
      if (!full && oldest && Date.now() < oldest.visibleAt + this.windowMs) break;
      this.deliver(this.visible.splice(0, this.batchSize));
    }
    const oldest = this.visible[0];
    if (oldest && this.inFlight < this.concurrency && this.windowTimer === undefined) {
      const wait = Math.max(0, oldest.visibleAt + this.windowMs - Date.now());
      this.windowTimer = setTimeout(() => {
        this.windowTimer = undefined;
        this.pump();
      }, wait);
    }
    if (this.idle()) this.wakeIdleWaiters();
  }

  private deliver(batch: Stored[]): void {
    this.inFlight++;
    this.counts.deliveredBatches++;
    this.counts.deliveredRecords += batch.length;
    const now = Date.now();
    for (const message of batch) {
      message.receiveCount++;
      message.firstReceivedAt ??= now;
    }
    const event: SQSEvent = { Records: batch.map(toRecord) };
    // Called from a microtask, so a consumer that throws synchronously fails only its batch.
    Promise.resolve()
      .then(() => this.consumer(event))
      .then((response) => this.failedIn(batch, response?.batchItemFailures ?? []))
      .catch((error: unknown) => {
        report(this.onConsumerError, error, this.log);
        return batch;
      })
      .then((failed) => {
        this.inFlight--;
        this.retryOrDeadLetter(failed);
        this.pump();
      });
  }

  /** The messages the consumer reported failed; all of them when it named one not in the batch. */
  private failedIn(batch: Stored[], failures: SQSBatchItemFailure[]): Stored[] {
    const byId = new Map(batch.map((m) => [m.messageId, m]));
    const failed = new Set<Stored>();
    for (const failure of failures) {
      const message = byId.get(failure.itemIdentifier);
      // As Lambda does: an unknown or empty identifier fails the whole batch.
      if (message === undefined) return batch;
      failed.add(message);
    }
    return [...failed];
  }

  /** Failed messages become visible again together, after the delay, unless received too often. */
  private retryOrDeadLetter(failed: Stored[]): void {
    const retries: Stored[] = [];
    for (const message of failed) {
      if (message.receiveCount < this.maxReceiveCount) {
        retries.push(message);
        continue;
      }
      const dead = {
        messageId: message.messageId,
        body: message.body,
        receiveCount: message.receiveCount,
      };
      this.deadLetters.push(dead);
      if (this.onDeadLetter) report(this.onDeadLetter, dead, this.log);
    }
    if (retries.length === 0) return;
    this.invisible += retries.length;
    setTimeout(() => {
      this.invisible -= retries.length;
      const now = Date.now();
      for (const message of retries) message.visibleAt = now;
      this.visible.push(...retries);
      this.pump();
    }, this.retryDelayMs);
  }

  private wakeIdleWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}

/** Calls a user callback; one that throws must not stop the queue. */
function report<T>(callback: (value: T) => void, value: T, log: Logger): void {
  try {
    callback(value);
  } catch (error) {
    log.error("memory queue callback failed", { error: errorText(error) });
  }
}

function toRecord(message: Stored): SQSRecord {
  return {
    messageId: message.messageId,
    receiptHandle: `${message.messageId}#${message.receiveCount}`,
    body: message.body,
    attributes: {
      ApproximateReceiveCount: String(message.receiveCount),
      SentTimestamp: String(message.sentAt),
      SenderId: "local",
      ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt ?? message.sentAt),
    },
    messageAttributes: {},
    md5OfBody: createHash("md5").update(message.body).digest("hex"),
    eventSource: "aws:sqs",
    eventSourceARN: QUEUE_ARN,
    awsRegion: "local",
  };
}
