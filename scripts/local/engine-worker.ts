import { parentPort, workerData } from "node:worker_threads";
import { ROUTES as API_ROUTES, createHandler as createApi } from "../../functions/api.ts";
import { SqliteBatchProcessor } from "../../shared/adapters/sqlite/batch-processor.ts";
import { openSqliteEngine } from "../../shared/adapters/sqlite/engine.ts";
import { OutboxDelivery } from "../../shared/adapters/sqlite/outbox-delivery.ts";
import { createClassifier } from "../../shared/classify/classifier.ts";
import type { Subscriber } from "../../shared/incidents/bus.ts";
import { QueueUnavailable } from "../../shared/ingest/queue.ts";
import { periodicTasks, runPeriodically } from "./background-tasks.ts";
import { ManualClock } from "./clock.ts";
import { formatNotice } from "./console-notice.ts";
import { deliverySubscribers } from "./delivery.ts";
import type {
  CallMessage,
  EngineCalls,
  EngineSettings,
  EngineStats,
  WorkerMessage,
} from "./engine-protocol.ts";
import { emailSubscriber, outboxHandler } from "./outbox.ts";

/**
 * The SQLite engine's thread: it alone holds the database, so writes never wait for a lock.
 * It appends what ingest accepted (group commits), processes batches, delivers the outbox, runs
 * the periodic tasks and answers the admin API. The HTTP thread calls it by message.
 */

const port = parentPort;
if (!port) throw new Error("engine-worker runs as a worker thread");
const settings = (workerData as { settings: EngineSettings }).settings;
const post = (message: WorkerMessage) => port.postMessage(message);
const log = (line: string) => post({ log: line });
const now = settings.clock ? new ManualClock(settings.clock).now : () => new Date();

/** Who the outbox owes each notice to. */
const SUBSCRIBERS = ["console", "slack", "webhook", "email"];
const CLEANUP_EVERY_MS = 60_000;
const OUTBOX_ROUTE = "GET /outbox";
/** On shutdown, deliveries in flight get this long; what is left is delivered after a restart. */
const CLOSE_DELIVERY_MS = 2_000;

let engine: ReturnType<typeof openSqliteEngine>;
try {
  engine = openSqliteEngine(settings.dataDir, SUBSCRIBERS, { maxBytes: settings.maxBytes });
} catch (error) {
  post({ failed: error instanceof Error ? error.message : String(error) });
  throw error;
}

const subscribers: Subscriber[] = [
  { name: "console", deliver: async (notice) => log(formatNotice(notice)) },
  ...deliverySubscribers({
    subscriptions: engine.subscriptions,
    slackWebhookUrl: settings.slackWebhookUrl,
    reauthUrlTemplate: settings.reauthUrlTemplate,
    allowLocalUrls: settings.allowLocalUrls,
    log,
    now,
  }),
  emailSubscriber(engine.subscriptions, engine.emails, log, now),
];

const processor = new SqliteBatchProcessor(
  engine.db,
  engine.queue,
  engine.incidents,
  engine.outbox,
  { classifier: createClassifier(settings.rules), mutes: engine.mutes, now, log },
);
const delivery = new OutboxDelivery(engine.outbox, subscribers, { log });
engine.queue.onAppended = (rows) => processor.appended(rows);
engine.outbox.onPublished = () => delivery.wake();

const tasks = runPeriodically(
  [
    ...periodicTasks(
      {
        store: engine.incidents,
        bus: engine.outbox,
        queue: engine.queue,
        cursors: engine.cursors,
        mutes: engine.mutes,
        now,
        log,
      },
      {
        sweepIntervalMs: settings.sweepIntervalMs,
        rules: settings.rules,
        stackonePoller: settings.stackonePoller,
      },
    ),
    { name: "clean-up", everyMs: CLEANUP_EVERY_MS, run: async () => engine.cleanUp() },
  ],
  log,
);

const api = createApi({
  store: engine.incidents,
  mutes: engine.mutes,
  bus: engine.outbox,
  page: () => settings.page,
  reauthUrlTemplate: settings.reauthUrlTemplate,
  now,
  log: (message, detail) => log(`api: ${message} ${JSON.stringify(detail ?? {})}`),
  adminToken: settings.adminToken,
  subscriptions: {
    subscriptions: engine.subscriptions,
    email: engine.emails,
    allowLocalUrls: settings.allowLocalUrls,
    now,
  },
});
const outbox = outboxHandler(engine.emails, settings.adminToken);
let appended = 0;

type Async<T> = {
  [K in keyof T]: T[K] extends (...a: infer A) => infer R ? (...a: A) => R | Promise<R> : never;
};

const calls: Async<EngineCalls> = {
  async append(groups) {
    const results = await Promise.allSettled(groups.map((g) => engine.queue.send(g)));
    return results.map((result, i) => {
      if (result.status === "fulfilled") {
        appended += groups[i]?.length ?? 0;
        return undefined;
      }
      const error = result.reason as Error;
      return { message: error.message, unavailable: error instanceof QueueUnavailable };
    });
  },
  request: (event) => (event.routeKey in API_ROUTES ? api(event) : outbox(event)),
  stats(): EngineStats {
    const deliveries = engine.outbox.counts();
    return {
      engine: "sqlite",
      queue: {
        pending: processor.pending(),
        inFlight: 0,
        batches: processor.stats.batches,
        dead: engine.queue.deadLettered(),
      },
      writes: { ...engine.incidents.writes, other: appended },
      notices: engine.outbox.publishedCount,
      deliveries: { ...deliveries, inFlight: delivery.busy() },
    };
  },
  idle: () => processor.pending() === 0 && delivery.idle(),
  runTask: (name) => tasks.runNow(name),
  async close() {
    processor.stop();
    await tasks.stop();
    processor.drain();
    await Promise.race([delivery.stop(), new Promise((r) => setTimeout(r, CLOSE_DELIVERY_MS))]);
    engine.close();
  },
};

port.on("message", async (message: CallMessage) => {
  try {
    const call = calls[message.call] as (...args: unknown[]) => unknown;
    post({ id: message.id, ok: true, value: await call(...message.args) });
  } catch (error) {
    post({
      id: message.id,
      ok: false,
      error: error instanceof Error ? error.message : String(error),
    });
  }
});

processor.start();
delivery.wake();
post({ ready: true, routes: [...Object.keys(API_ROUTES), OUTBOX_ROUTE] });
