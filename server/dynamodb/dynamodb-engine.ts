import { join } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ROUTES as API_ROUTES, createHandler as createApi } from "../../functions/api.ts";
import { createTable } from "../../shared/adapters/aws/create-table.ts";
import { createDynamoClient } from "../../shared/adapters/aws/dynamo-client.ts";
import { DynamoCursorStore } from "../../shared/adapters/aws/dynamo-cursors.ts";
import { DynamoDigestLedger } from "../../shared/adapters/aws/dynamo-digests.ts";
import { DynamoMuteStore } from "../../shared/adapters/aws/dynamo-mutes.ts";
import { DynamoIncidentStore } from "../../shared/adapters/aws/dynamo-store.ts";
import { DynamoSubscriptionStore } from "../../shared/adapters/aws/dynamo-subscriptions.ts";
import { specOf } from "../../shared/api/route.ts";
import { createClassifier } from "../../shared/classify/classifier.ts";
import { digestAfterPerMinute } from "../../shared/config.ts";
import { processBatch } from "../../shared/incidents/process.ts";
import { ReconnectLinks } from "../../shared/reconnect/links.ts";
import { reconnectStackone } from "../../shared/reconnect/stackone.ts";
import { formatNotice } from "../console-notice.ts";
import { DIGEST_FLUSH_MS, localDelivery } from "../destinations.ts";
import { type EngineSettings, type LocalEngine, STALL_MS } from "../engine.ts";
import {
  emailSubscriber,
  localEmail,
  MemoryEmailOutbox,
  OUTBOX_ROUTE,
  outboxHandler,
  sendingEmailSubscriber,
} from "../local-email.ts";
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
  now?: () => Date;
};

/**
 * The deployed code path on one machine: the processor and sweeper functions over DynamoDB
 * (dynalite under DATA_DIR, or DYNAMODB_ENDPOINT), with SQS and SNS played in memory. Events
 * accepted but not yet processed are lost if the process dies: the SQLite engine is the durable
 * one; this one is for running what is deployed.
 */
export async function startDynamoEngine(
  settings: DynamoEngineSettings,
  log: (line: string) => void,
): Promise<LocalEngine> {
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
  const links = settings.reconnect && new ReconnectLinks(settings.reconnect);
  const stackone =
    links && settings.stackonePoller
      ? reconnectStackone(settings.stackonePoller.apiKey, settings.stackonePoller.apiUrl)
      : undefined;
  const email = localEmail(settings.email);
  const digests = new DynamoDigestLedger(client, table);
  const delivering = localDelivery({
    subscriptions,
    slackWebhookUrl: settings.slackWebhookUrl,
    slackSigningSecret: settings.slackSigningSecret,
    pagerdutyEventsUrl: settings.pagerdutyEventsUrl,
    dashboardUrl: settings.dashboardUrl,
    reauthUrlTemplate: settings.reauthUrlTemplate,
    allowLocalUrls: settings.allowLocalUrls,
    log,
    now: settings.now,
    digest: { ledger: digests, budget: digestAfterPerMinute() },
  });
  const bus = new MemoryBus([
    { name: "console", deliver: async (notice) => log(formatNotice(notice)) },
    ...delivering.subscribers,
    email
      ? sendingEmailSubscriber(subscriptions, emails, email, log, settings.now)
      : emailSubscriber(subscriptions, emails, log, settings.now),
  ]);
  const mutes = new DynamoMuteStore(client, table);
  const cursors = new DynamoCursorStore(client, table);
  const processing = {
    store,
    mutes,
    bus,
    now: settings.now,
    links,
    classifier: createClassifier(settings.rules),
    log: (message: string, detail?: Record<string, unknown>) =>
      log(`processor: ${message} ${JSON.stringify(detail ?? {})}`),
  };
  // The processor function's own orchestration, behind the in-memory SQS.
  const queue = new MemoryQueue((event) => processBatch(event.Records, processing), {
    batchSize: 100,
    windowMs: 20,
    retryDelayMs: 200,
    onDeadLetter: (m) =>
      log(`events queue: message ${m.messageId} dead-lettered after ${m.receiveCount} receives`),
  });
  const tasks = runPeriodically(
    [
      ...periodicTasks(
        {
          store,
          bus,
          queue,
          cursors,
          mutes,
          links,
          now: settings.now ?? (() => new Date()),
          log,
        },
        {
          sweepIntervalMs: settings.sweepIntervalMs,
          rules: settings.rules,
          stackonePoller: settings.stackonePoller,
        },
      ),
      { name: "digests", everyMs: DIGEST_FLUSH_MS, run: delivering.flush },
    ],
    log,
  );
  const api = createApi({
    digests,
    store,
    mutes,
    bus,
    page: () => settings.page,
    reauthUrlTemplate: settings.reauthUrlTemplate,
    links,
    stackone,
    slackSigningSecret: settings.slackSigningSecret,
    pagerdutyEventsUrl: settings.pagerdutyEventsUrl,
    now: settings.now,
    log: (message, detail) => log(`api: ${message} ${JSON.stringify(detail ?? {})}`),
    adminToken: settings.adminToken,
    subscriptions: {
      subscriptions,
      email: emails,
      emailSending: email,
      allowLocalUrls: settings.allowLocalUrls,
      now: settings.now,
    },
  });
  const outbox = outboxHandler(emails, settings.adminToken);
  /** The queue's progress as last seen, to tell a stalled queue from a busy one. */
  let progress = { batches: -1, at: Date.now() };

  return {
    name: "dynamodb",
    queue,
    routes: [...Object.values(API_ROUTES).map(specOf), OUTBOX_ROUTE],
    handle: (event) => (event.routeKey in API_ROUTES ? api(event) : outbox(event)),
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
