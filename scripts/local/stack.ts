import { mkdirSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { ROUTES as API_ROUTES, createHandler as createApi } from "../../functions/api.ts";
import { createHandler as createIngest } from "../../functions/ingest.ts";
import { createHandler as createProcessor } from "../../functions/process.ts";
import { createHandler as createSweeper } from "../../functions/sweep.ts";
import { createTable } from "../../shared/adapters/aws/create-table.ts";
import { createDynamoClient } from "../../shared/adapters/aws/dynamo-client.ts";
import { DynamoCursorStore } from "../../shared/adapters/aws/dynamo-cursors.ts";
import { DynamoMuteStore } from "../../shared/adapters/aws/dynamo-mutes.ts";
import { DynamoIncidentStore } from "../../shared/adapters/aws/dynamo-store.ts";
import { DynamoSubscriptionStore } from "../../shared/adapters/aws/dynamo-subscriptions.ts";
import { createClassifier } from "../../shared/classify/classifier.ts";
import type { QuirkRule } from "../../shared/quirks/rule.ts";
import { buildPage } from "../build-page.ts";
import { createApiGateway, type LocalHandler } from "./api-gateway.ts";
import { formatNotice } from "./console-notice.ts";
import { deliverySubscribers } from "./delivery.ts";
import { startDynalite } from "./dynalite.ts";
import { MemoryBus } from "./memory-bus.ts";
import { MemoryQueue } from "./memory-queue.ts";
import { LocalEmailSubscriptions, Outbox } from "./outbox.ts";
import { type LocalPollerOptions, startRequestLogPoller } from "./poller.ts";
import { countWrites } from "./write-counter.ts";

export type StackOptions = {
  /** 0 picks a free port. */
  port: number;
  host?: string;
  /** Where dynalite keeps its data; in memory when undefined. */
  dataDir?: string;
  rules: QuirkRule[];
  stackoneSecrets: string[];
  genericSecret?: string;
  adminToken?: string;
  sweepIntervalMs: number;
  log?: (line: string) => void;
  /** The default Slack channel: every notice is posted to it. */
  slackWebhookUrl?: string;
  reauthUrlTemplate?: string;
  /** Destinations may be http://127.0.0.1 and http://localhost; true unless set false. */
  allowLocalUrls?: boolean;
  /** The processor's and sweeper's clock; tests move it to reach reminders and quiet. */
  now?: () => Date;
  /** Polls StackOne's request logs when given (STACKONE_API_KEY is set). */
  stackonePoller?: LocalPollerOptions;
};

export type Stack = Awaited<ReturnType<typeof startStack>>;

export const TABLE_NAME = "quirkwatch";

/** The whole pipeline on this machine: the same handlers, dynalite, in-process queue and bus. */
export async function startStack(options: StackOptions) {
  const log = options.log ?? ((line: string) => console.log(line));
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const dynamo = await startDynalite(options.dataDir ? join(options.dataDir, "dynamo") : undefined);
  const client = createDynamoClient(dynamo.endpoint);
  const writes = countWrites(client);
  await createTable(client, TABLE_NAME);
  const store = new DynamoIncidentStore(client, TABLE_NAME);
  const mutes = new DynamoMuteStore(client, TABLE_NAME);

  const subscriptions = new DynamoSubscriptionStore(client, TABLE_NAME);
  const allowLocalUrls = options.allowLocalUrls ?? true;
  // Email goes to the outbox instead of SNS; Slack and webhooks are delivered for real.
  const outbox = new Outbox(subscriptions, log, options.now);
  const bus = new MemoryBus([
    { name: "console", deliver: async (notice) => log(formatNotice(notice)) },
    ...deliverySubscribers({
      subscriptions,
      slackWebhookUrl: options.slackWebhookUrl,
      reauthUrlTemplate: options.reauthUrlTemplate,
      allowLocalUrls,
      log,
      now: options.now,
    }),
    outbox.subscriber(),
  ]);
  const processor = createProcessor({
    store,
    mutes,
    bus,
    now: options.now,
    classifier: createClassifier(options.rules),
    log: (message, detail) => log(`processor: ${message} ${JSON.stringify(detail ?? {})}`),
  });
  const queue = new MemoryQueue(processor, {
    batchSize: 100,
    windowMs: 20,
    retryDelayMs: 200,
    onDeadLetter: (m) =>
      log(`events queue: message ${m.messageId} dead-lettered after ${m.receiveCount} receives`),
  });
  const poller =
    options.stackonePoller &&
    startRequestLogPoller({
      ...options.stackonePoller,
      rules: options.rules,
      queue,
      cursors: new DynamoCursorStore(client, TABLE_NAME),
      log,
    });
  const ingest = createIngest({
    queue,
    stackoneSecrets: options.stackoneSecrets,
    genericSecret: options.genericSecret,
  });
  // Built fresh at every start: the page is always the one in web/.
  const page = await buildPage();
  const api = createApi({
    store,
    mutes,
    bus,
    page: () => page,
    reauthUrlTemplate: options.reauthUrlTemplate,
    now: options.now,
    log: (message, detail) => log(`api: ${message} ${JSON.stringify(detail ?? {})}`),
    adminToken: options.adminToken,
    subscriptions: {
      subscriptions,
      email: new LocalEmailSubscriptions(),
      allowLocalUrls,
      now: options.now,
    },
  });

  const routes: Record<string, LocalHandler> = { "POST /webhooks/{source}": ingest };
  for (const routeKey of Object.keys(API_ROUTES)) routes[routeKey] = api;
  routes["GET /outbox"] = outbox.handler(options.adminToken);
  // Local only: what the pipeline did, for tests and the bench.
  routes["GET /_local/stats"] = async () => ({
    statusCode: 200,
    body: JSON.stringify({
      queue: queue.stats(),
      dynamo_writes: writes,
      notices: bus.publishedCount,
    }),
  });
  const server = createApiGateway(routes);
  await new Promise<void>((resolve) =>
    server.listen(options.port, options.host ?? "127.0.0.1", resolve),
  );
  const { port } = server.address() as AddressInfo;

  const sweeper = createSweeper({ store, mutes, bus, now: options.now });
  let sweeping: Promise<unknown> = Promise.resolve();
  const sweepNow = () => {
    sweeping = sweeping.then(sweeper).catch((error) => log(`sweeper: ${String(error)}`));
    return sweeping;
  };
  const timer = setInterval(sweepNow, options.sweepIntervalMs);
  timer.unref();

  return {
    url: `http://${options.host ?? "127.0.0.1"}:${port}`,
    port,
    store,
    queue,
    bus,
    writes,
    subscriptions,
    outbox,
    sweepNow,
    poller,
    /** Stops taking requests, then finishes everything already accepted. */
    async close() {
      clearInterval(timer);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await poller?.stop();
      await queue.drain();
      await sweeping;
      await bus.drain();
      client.destroy();
      await dynamo.close();
    },
  };
}
