import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PublishBatchCommand, type PublishBatchCommandInput, SNSClient } from "@aws-sdk/client-sns";
import {
  SendMessageBatchCommand,
  type SendMessageBatchCommandInput,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, describe } from "vitest";
import { startDynalite } from "../../server/dynamodb/dynalite.ts";
import { MemoryBus } from "../../server/dynamodb/memory-bus.ts";
import { SqliteBatchProcessor } from "../../server/sqlite/processing-loop.ts";
import { createTable } from "../../shared/adapters/aws/create-table.ts";
import { createDynamoClient } from "../../shared/adapters/aws/dynamo-client.ts";
import { DynamoCursorStore } from "../../shared/adapters/aws/dynamo-cursors.ts";
import { DynamoDigestLedger } from "../../shared/adapters/aws/dynamo-digests.ts";
import { DynamoMuteStore } from "../../shared/adapters/aws/dynamo-mutes.ts";
import { DynamoIncidentStore } from "../../shared/adapters/aws/dynamo-store.ts";
import { DynamoSubscriptionStore } from "../../shared/adapters/aws/dynamo-subscriptions.ts";
import { SnsAlertBus } from "../../shared/adapters/aws/sns-bus.ts";
import { SqsEventQueue } from "../../shared/adapters/aws/sqs-queue.ts";
import { openEventQueue } from "../../shared/adapters/sqlite/event-queue.ts";
import { openSqliteStores } from "../../shared/adapters/sqlite/stores.ts";
import { createClassifier } from "../../shared/classify/classifier.ts";
import { fixedClock } from "../../shared/clock.ts";
import type { IntegrationEventInput } from "../../shared/events/event.ts";
import { parseEvent } from "../../shared/events/parse-event.ts";
import type { EventQueue } from "../../shared/events/queue.ts";
import type { AlertBus } from "../../shared/incidents/bus.ts";
import type { MuteStore } from "../../shared/incidents/mute.ts";
import type { Notice } from "../../shared/incidents/notice.ts";
import { processBatch } from "../../shared/incidents/process.ts";
import type { IncidentStore } from "../../shared/incidents/store.ts";
import { sweep } from "../../shared/incidents/sweep.ts";
import { silentLogger } from "../../shared/log.ts";
import type { DigestLedger } from "../../shared/notify/digest.ts";
import { emailsFor } from "../../shared/notify/email.ts";
import type { SubscriptionStore } from "../../shared/notify/subscription-store.ts";
import { BUILTIN_RULES } from "../../shared/quirks/catalog.ts";
import type { CursorStore } from "../../shared/sources/cursor-store.ts";
import {
  MemoryCursorStore,
  MemoryDigestLedger,
  MemoryEventQueue,
  MemoryIncidentStore,
  MemoryMuteStore,
  MemorySubscriptionStore,
} from "../support/memory-ports.ts";

/** The stores of one engine, on fresh, empty storage. */
export type Stores = {
  incidents: IncidentStore;
  digests: DigestLedger;
  subscriptions: SubscriptionStore;
  mutes: MuteStore;
  cursors: CursorStore;
};

/**
 * The events queue and the alerts bus of one engine, and what reached the far side of each: for
 * AWS the requests SQS and SNS were sent (aws-sdk-client-mock at that boundary); for SQLite what
 * the database holds once closed and opened again, as after a crash.
 */
export type Pipes = {
  queue: EventQueue;
  bus: AlertBus;
  /** Bodies a consumer will receive, in order. */
  queued(): Promise<string[]>;
  /** Notices owed to subscribers, each once. */
  published(): Promise<Notice[]>;
  /** A queue with no room left: SQS refusing every entry, or SQLite on a full disk. */
  fullQueue(): Promise<EventQueue>;
};

/**
 * The engine's batch processor on fresh storage: the AWS processor (SQS batches) over DynamoDB,
 * or one SQLite transaction per batch. `process` runs each batch to the end, in order.
 */
export type Processing = {
  /** `now`: the processor's clock for this batch (default: the real one). */
  process(batch: IntegrationEventInput[], now?: Date): Promise<void>;
  /** One run of the engine's sweeper at `now`. */
  sweep(now: Date): Promise<void>;
  incidents: IncidentStore;
  /** Every notice published, in order. */
  published(): Promise<Notice[]>;
};

/** An engine the contract suite runs against: `fresh()` gives empty stores each time. */
export type Engine = {
  name: string;
  fresh(): Promise<Stores>;
  pipes(): Promise<Pipes>;
  /** `now`: the processor's clock (the real one by default). */
  processing(options?: { now?: () => Date }): Promise<Processing>;
  close(): Promise<void>;
};

const classifier = createClassifier(BUILTIN_RULES);

/** DynamoDB, through dynalite: each `fresh()` is a table of its own. SQS and SNS are mocked. */
export async function dynamoEngine(): Promise<Engine> {
  const dynamo = await startDynalite();
  const client = createDynamoClient(dynamo.endpoint);
  const fresh = async (): Promise<Stores> => {
    const table = `quirkwatch-${randomUUID()}`;
    await createTable(client, table);
    return {
      incidents: new DynamoIncidentStore(client, table),
      digests: new DynamoDigestLedger(client, table),
      subscriptions: new DynamoSubscriptionStore(client, table),
      mutes: new DynamoMuteStore(client, table),
      cursors: new DynamoCursorStore(client, table),
    };
  };
  return {
    name: "dynamodb",
    fresh,
    async pipes() {
      const sqsClient = new SQSClient({ region: "eu-west-1" });
      const sqs = mockClient(sqsClient);
      sqs.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => ({
        Successful: (input.Entries ?? []).map((e) => ({ Id: e.Id, MessageId: e.Id })),
        Failed: [],
      }));
      const snsClient = new SNSClient({ region: "eu-west-1" });
      const sns = mockClient(snsClient);
      sns.on(PublishBatchCommand).callsFake((input: PublishBatchCommandInput) => ({
        Successful: (input.PublishBatchRequestEntries ?? []).map((e) => ({ Id: e.Id })),
        Failed: [],
      }));
      const fullClient = new SQSClient({ region: "eu-west-1" });
      mockClient(fullClient)
        .on(SendMessageBatchCommand)
        .rejects(new Error("KMS.KMSThrottlingException"));
      const noWait = async () => undefined;
      return {
        queue: new SqsEventQueue(sqsClient, "https://sqs.local/events", { sleep: noWait }),
        bus: new SnsAlertBus(snsClient, "arn:aws:sns:local:0:alerts", emailsFor),
        async queued() {
          return sqs
            .commandCalls(SendMessageBatchCommand)
            .flatMap((call) => call.args[0].input.Entries ?? [])
            .map((entry) => entry.MessageBody ?? "");
        },
        async published() {
          return (
            sns
              .commandCalls(PublishBatchCommand)
              .flatMap((call) => call.args[0].input.PublishBatchRequestEntries ?? [])
              // What the notifiers subscribe to: the internal message of each notice (the customer
              // one goes only to customer email subscriptions).
              .filter((entry) => entry.MessageAttributes?.audience?.StringValue === "internal")
              .map((entry) => JSON.parse(JSON.parse(entry.Message ?? "{}").lambda) as Notice)
          );
        },
        async fullQueue() {
          return new SqsEventQueue(fullClient, "https://sqs.local/events", { sleep: noWait });
        },
      };
    },
    async processing(options = {}) {
      const { incidents, mutes } = await fresh();
      return awsProcessing(incidents, mutes, options.now);
    },
    async close() {
      client.destroy();
      await dynamo.close();
    },
  };
}

/** The AWS processor (SQS batches, conditional writes) over the given stores. */
function awsProcessing(incidents: IncidentStore, mutes: MuteStore, clock?: () => Date): Processing {
  const bus = new MemoryBus();
  let message = 0;
  return {
    incidents,
    async process(batch, now) {
      const messages = batch.map((event) => ({ id: `m${++message}`, body: JSON.stringify(event) }));
      const failed = await processBatch(messages, {
        store: incidents,
        mutes,
        bus,
        classifier,
        clock: now ? fixedClock(now) : { now: clock ?? (() => new Date()) },
      });
      if (failed.length > 0) throw new Error("the batch failed");
    },
    async sweep(now) {
      await sweep({ store: incidents, mutes, bus, clock: fixedClock(now) });
    },
    published: async () => [...bus.published],
  };
}

/** Every port in memory (test/support/memory-ports.ts), under the AWS processor. */
export async function memoryEngine(): Promise<Engine> {
  const fresh = async (): Promise<Stores> => ({
    incidents: new MemoryIncidentStore(),
    digests: new MemoryDigestLedger(),
    subscriptions: new MemorySubscriptionStore(),
    mutes: new MemoryMuteStore(),
    cursors: new MemoryCursorStore(),
  });
  return {
    name: "memory",
    fresh,
    async pipes() {
      const queue = new MemoryEventQueue();
      const bus = new MemoryBus();
      return {
        queue,
        bus,
        queued: async () => [...queue.bodies],
        published: async () => [...bus.published],
        fullQueue: async () => new MemoryEventQueue(0),
      };
    },
    async processing(options = {}) {
      const { incidents, mutes } = await fresh();
      return awsProcessing(incidents, mutes, options.now);
    },
    async close() {},
  };
}

const SUBSCRIBERS = ["console", "slack"];

/** SQLite: each `fresh()` is a data folder of its own (queue.db and quirkwatch.db). */
export async function sqliteEngine(): Promise<Engine> {
  const root = mkdtempSync(join(tmpdir(), "quirkwatch-contract-"));
  const opened: { close(): void }[] = [];
  const open = (dir: string) => {
    // The queue first, as at start: the engine reads it.
    const queue = openEventQueue(dir);
    const engine = openSqliteStores(dir, SUBSCRIBERS);
    opened.push(engine, queue);
    return {
      ...engine,
      queue,
      close: () => {
        engine.close();
        queue.close();
      },
    };
  };
  return {
    name: "sqlite",
    async fresh() {
      const engine = open(join(root, randomUUID()));
      return {
        incidents: engine.incidents,
        digests: engine.digests,
        subscriptions: engine.subscriptions,
        mutes: engine.mutes,
        cursors: engine.cursors,
      };
    },
    async pipes() {
      const dir = join(root, randomUUID());
      const engine = open(dir);
      /** Closes the database and reads it again, as a restart after a crash would. */
      const reopened = () => {
        engine.close();
        return open(dir);
      };
      return {
        queue: engine.queue,
        bus: engine.outbox,
        async queued() {
          return reopened()
            .consumer.after(0, 1_000_000)
            .map((row) => row.body);
        },
        async published() {
          const rows = reopened().outbox.due(Number.MAX_SAFE_INTEGER, 1_000_000);
          const bySubscriber = new Map<string, string[]>();
          for (const row of rows)
            bySubscriber.set(row.subscriber, [
              ...(bySubscriber.get(row.subscriber) ?? []),
              row.notice,
            ]);
          // Every subscriber is owed the same notices.
          const [first, ...rest] = SUBSCRIBERS.map((s) => (bySubscriber.get(s) ?? []).sort());
          for (const other of rest)
            if (JSON.stringify(other) !== JSON.stringify(first))
              throw new Error("subscribers are owed different notices");
          return (first ?? []).map((body) => JSON.parse(body) as Notice);
        },
        async fullQueue() {
          const full = open(join(root, randomUUID())).queue;
          // A cap on queue.db at the size it has now (it cannot shrink), then every free byte filled.
          full.db.pragma("max_page_count = 1");
          const insert = full.db.prepare("INSERT INTO queue (body) VALUES (?)");
          for (const size of [4000, 1000, 100, 1])
            for (;;) {
              try {
                insert.run("x".repeat(size));
              } catch {
                break;
              }
            }
          return full;
        },
      };
    },
    async processing(options = {}) {
      const engine = open(join(root, randomUUID()));
      let clock: Date | undefined;
      const processor = new SqliteBatchProcessor(engine, {
        classifier,
        mutes: engine.mutes,
        log: silentLogger,
        batchSize: 100_000,
        now: () => clock ?? options.now?.() ?? new Date(),
      });
      processor.onProcessed = (through) => engine.queue.processed(through);
      return {
        incidents: engine.incidents,
        async process(batch, now) {
          await engine.queue.send(
            batch.map((event, i) => ({ id: String(i), body: JSON.stringify(parseEvent(event)) })),
          );
          clock = now;
          processor.processOnce();
        },
        async sweep(now) {
          // The single node's sweeper: one transaction, as the worker runs it.
          clock = now;
          await processor.sweep();
        },
        published: async () =>
          engine.outbox
            .due(Number.MAX_SAFE_INTEGER, 1_000_000)
            .filter((row) => row.subscriber === SUBSCRIBERS[0])
            .map((row) => JSON.parse(row.notice) as Notice),
      };
    },
    async close() {
      for (const engine of opened) {
        try {
          engine.close();
        } catch {}
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Every engine; each contract test file runs its tests once per engine. */
export const ENGINES: (() => Promise<Engine>)[] = [dynamoEngine, sqliteEngine, memoryEngine];

/** Declares `tests` once per engine, each under the engine's name, with the engine started. */
export function forEachEngine(tests: (engine: () => Engine) => void): void {
  for (const start of ENGINES)
    describe(start.name, () => {
      let engine: Engine;
      beforeAll(async () => {
        engine = await start();
      });
      afterAll(() => engine.close());
      tests(() => engine);
    });
}
