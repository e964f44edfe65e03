import { join } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createTable } from "../../shared/adapters/aws/create-table.ts";
import { createDynamoClient } from "../../shared/adapters/aws/dynamo-client.ts";
import { DynamoCursorStore } from "../../shared/adapters/aws/dynamo-cursors.ts";
import { DynamoDigestLedger } from "../../shared/adapters/aws/dynamo-digests.ts";
import { DynamoMuteStore } from "../../shared/adapters/aws/dynamo-mutes.ts";
import { DynamoIncidentStore } from "../../shared/adapters/aws/dynamo-store.ts";
import { DynamoSubscriptionStore } from "../../shared/adapters/aws/dynamo-subscriptions.ts";
import { processSqsBatch } from "../../shared/adapters/aws/sqs-batch.ts";
import { createClassifier } from "../../shared/classify/classifier.ts";
import { type Clock, systemClock } from "../../shared/clock.ts";
import type { Logger } from "../../shared/log.ts";
import { DIGEST_FLUSH_MS } from "../destinations.ts";
import { type EngineSettings, type LocalEngine, STALL_MS } from "../engine.ts";
import { localAdminApi, localNotifiers, localReconnect } from "../engine-services.ts";
import { MemoryEmailOutbox } from "../local-email.ts";
import { periodicTasks } from "../periodic-tasks.ts";
import { runPeriodically } from "../scheduler.ts";
import { startDynalite } from "./dynalite.ts";
import { MemoryBus } from "./memory-bus.ts";
import { MemoryQueue } from "./memory-queue.ts";
import { countWrites } from "./write-counter.ts";

export const TABLE_NAME = "quirkwatch";

export type DynamoEngineSettings = Omit<EngineSettings, "clock"> & {
  /** A DynamoDB to use instead of dynalite (DYNAMODB_ENDPOINT). */
  endpoint?: string;
};

/**
 * The deployed code path on one machine: the processor and sweeper functions over DynamoDB
 * (dynalite under DATA_DIR, or DYNAMODB_ENDPOINT), with SQS and SNS played in memory. Events
 * accepted but not yet processed are lost if the process dies: the SQLite engine is the durable
 * one; this one is for running what is deployed.
 */
export async function startDynamoEngine(
  settings: DynamoEngineSettings,
  log: Logger,
  /** A test's clock; the system's by default. */
  clock: Clock = systemClock,
): Promise<LocalEngine> {
  // Read when a client is made: the SDK's notice that its future versions need Node 22 tells the
  // single node's user (Node 20 is supported) nothing.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const dynalite = settings.endpoint
    ? undefined
    : await startDynalite(join(settings.dataDir, "dynamo"));
  const client = dynalite ? createDynamoClient(dynalite.endpoint) : remoteClient(settings.endpoint);
  const writes = countWrites(client);
  const table = process.env.TABLE_NAME || TABLE_NAME;
  await createTable(client, table);
  const store = new DynamoIncidentStore(client, table);
  const subscriptions = new DynamoSubscriptionStore(client, table);
  const emails = new MemoryEmailOutbox();
  const digests = new DynamoDigestLedger(client, table);
  const mutes = new DynamoMuteStore(client, table);
  const ports = { store, mutes, subscriptions, emails, digests };
  const context = { settings, log, clock };
  const { links, stackone } = localReconnect(settings);
  const { subscribers, flushDigests, email } = localNotifiers(ports, context);
  const bus = new MemoryBus(subscribers);
  const cursors = new DynamoCursorStore(client, table);
  const processing = {
    store,
    mutes,
    bus,
    clock,
    links,
    classifier: createClassifier(settings.rules),
    log: log.child({ scope: "processor" }),
  };
  // The processor function's own orchestration, behind the in-memory SQS.
  const queue = new MemoryQueue((event) => processSqsBatch(event.Records, processing), {
    batchSize: 100,
    windowMs: 20,
    retryDelayMs: 200,
    log,
    onDeadLetter: (m) =>
      log.error(
        `events queue: message ${m.messageId} dead-lettered after ${m.receiveCount} receives`,
      ),
  });
  const tasks = runPeriodically(
    [
      ...periodicTasks({ store, bus, queue, cursors, mutes, links, clock, log }, settings),
      { name: "digests", everyMs: DIGEST_FLUSH_MS, run: flushDigests },
    ],
    log,
  );
  const handle = localAdminApi({ ...ports, bus }, { links, stackone, email }, context);
  /** The queue's progress as last seen, to tell a stalled queue from a busy one. */
  let progress = { batches: -1, at: Date.now() };

  return {
    name: "dynamodb",
    queue,
    handle,
    async stats() {
      const q = queue.stats();
      return {
        engine: "dynamodb",
        queue: {
          pending: q.pending,
          inFlight: q.inFlight,
          batches: q.deliveredBatches,
          dead: q.deadLettered,
        },
        writes: { ...writes },
        notices: bus.publishedCount,
        deliveries: { pending: 0, inFlight: bus.inFlightCount(), dead: bus.deadLetters.length },
      };
    },
    async health() {
      try {
        await cursors.set("healthz", new Date().toISOString());
      } catch (error) {
        return { ok: false, reason: `DynamoDB does not take writes: ${(error as Error).message}` };
      }
      const q = queue.stats();
      if (q.deliveredBatches !== progress.batches || q.pending === 0) {
        progress = { batches: q.deliveredBatches, at: Date.now() };
      } else if (Date.now() - progress.at > STALL_MS) {
        return {
          ok: false,
          reason: `the queue is not draining: ${q.pending} event(s) waiting, none processed for ${Math.round((Date.now() - progress.at) / 1000)} s`,
        };
      }
      return { ok: true };
    },
    async metrics() {
      const open = [
        ...(await store.listIncidents({ status: "pending", limit: 1000 })),
        ...(await store.listIncidents({ status: "firing", limit: 1000 })),
      ];
      const byKey = new Map<string, { provider: string; category: string; count: number }>();
      for (const { provider, category } of open) {
        const key = `${provider}\n${category}`;
        const entry = byKey.get(key) ?? { provider, category, count: 0 };
        entry.count += 1;
        byKey.set(key, entry);
      }
      const q = queue.stats();
      return {
        // This engine runs on the HTTP thread: its counts are in the stack's own totals.
        totals: { counters: [], gauges: [] },
        incidentsOpen: [...byKey.values()],
        queueDepth: q.pending + q.inFlight,
        outboxPending: bus.inFlightCount(),
      };
    },
    async idle() {
      const q = queue.stats();
      return q.pending === 0 && q.inFlight === 0 && bus.inFlightCount() === 0;
    },
    runTask: (name) => tasks.runNow(name),
    async close() {
      await queue.drain();
      await tasks.stop();
      await bus.drain();
      client.destroy();
      await dynalite?.close();
    },
  };
}

/** A DynamoDB of the user's: the SDK's own credentials when AWS ones are configured. */
function remoteClient(endpoint: string | undefined): DynamoDBClient {
  const aws = process.env.AWS_ACCESS_KEY_ID || process.env.AWS_PROFILE;
  return aws ? new DynamoDBClient({ endpoint }) : createDynamoClient(endpoint);
}
