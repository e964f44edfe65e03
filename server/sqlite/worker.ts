import { parentPort, workerData } from "node:worker_threads";
import { DATABASE_FILE, QUEUE_FILE } from "../../shared/adapters/sqlite/database.ts";
import { openSqliteStores } from "../../shared/adapters/sqlite/stores.ts";
import { probeWrite } from "../../shared/adapters/sqlite/write-probe.ts";
import { createClassifier } from "../../shared/classify/classifier.ts";
import type { Clock } from "../../shared/clock.ts";
import { type EventQueue, QueueUnavailable } from "../../shared/events/queue.ts";
import { consoleSink, createLogger } from "../../shared/log.ts";
import { MetricTotals, recordMetricsTo } from "../../shared/metrics.ts";
import { nearlyFullEvents } from "../data-bounds.ts";
import { DIGEST_FLUSH_MS } from "../destinations.ts";
import { type EngineSettings, readSharedClock } from "../engine.ts";
import { localAdminApi, localNotifiers, localReconnect } from "../engine-services.ts";
import { periodicTasks } from "../periodic-tasks.ts";
import { runPeriodically } from "../scheduler.ts";
import { OutboxDelivery } from "./outbox-delivery.ts";
import { SqliteBatchProcessor } from "./processing-loop.ts";
import type {
  EngineCalls,
  MainMessage,
  SendFailure,
  WorkerMessage,
  WorkerStats,
} from "./worker-protocol.ts";

/**
 * The SQLite engine's thread: it alone writes quirkwatch.db, so writes never wait for a lock.
 * It processes what the HTTP thread appended to queue.db (read here through a connection of its
 * own), delivers the outbox, runs the periodic tasks and answers the admin API. The threads
 * exchange calls and seqs by message; event bodies cross only from the request-log poller.
 */

const port = parentPort;
if (!port) throw new Error("server/sqlite/worker.ts runs as a worker thread");
const settings = (workerData as { settings: EngineSettings }).settings;
const post = (message: WorkerMessage) => port.postMessage(message);
/** The worker's records, as readable lines for the main thread to print. */
const log = createLogger(consoleSink((line) => post({ log: line })));
const now = settings.clock ? readSharedClock(settings.clock) : () => new Date();

/** Who the outbox owes each notice to. */
const SUBSCRIBERS = ["console", "slack", "webhook", "email", "pagerduty"];
const CLEANUP_EVERY_MS = 60_000;
/**
 * How long the processor lets a batch gather after the first row: each batch rewrites every
 * incident it touches, so a longer window writes each busy incident less often (with 100 busy
 * accounts, 200 ms halves the processing thread's time per event against 50 ms, and its fsyncs
 * slow the queue's less). What it costs is at most this much later a notice.
 */
const BATCH_WINDOW_MS = 200;
/** On shutdown, deliveries in flight get this long; what is left is delivered after a restart. */
const CLOSE_DELIVERY_MS = 2_000;

let engine: ReturnType<typeof openSqliteStores>;
try {
  engine = openSqliteStores(settings.dataDir, SUBSCRIBERS, { maxBytes: settings.maxBytes });
} catch (error) {
  post({ failed: error instanceof Error ? error.message : String(error) });
  throw error;
}

const clock: Clock = { now };
const context = { settings, log, now, clock };
const { links, stackone } = localReconnect(settings);
const ports = {
  store: engine.incidents,
  mutes: engine.mutes,
  subscriptions: engine.subscriptions,
  emails: engine.emails,
  digests: engine.digests,
};
const { subscribers, flushDigests, email } = localNotifiers(ports, context);
/** What this thread counts (deliveries, the poller); the HTTP thread asks at `GET /metrics`. */
const totals = new MetricTotals();
recordMetricsTo(totals);
const openIncidents = engine.db.prepare<[], { provider: string; category: string; count: number }>(
  `SELECT provider, category, count(*) AS count FROM incidents WHERE status != 'resolved'
   GROUP BY provider, category`,
);

const processor = new SqliteBatchProcessor(engine, {
  classifier: createClassifier(settings.rules),
  mutes: engine.mutes,
  links,
  now,
  log,
  windowMs: BATCH_WINDOW_MS,
});
const delivery = new OutboxDelivery(engine.outbox, subscribers, { log });
processor.onProcessed = (through) => post({ processed: through });
engine.outbox.onPublished = () => delivery.wake();

/** The events queue as the worker's own sources see it: the HTTP thread appends for them. */
const sends = new Map<number, { resolve(): void; reject(error: Error): void }>();
let nextSend = 0;
const queue: EventQueue = {
  send(messages) {
    if (messages.length === 0) return Promise.resolve();
    const id = nextSend++;
    return new Promise((resolve, reject) => {
      sends.set(id, { resolve, reject });
      post({ send: id, messages });
    });
  },
};
const sent = (id: number, failure: SendFailure | undefined) => {
  const waiter = sends.get(id);
  sends.delete(id);
  if (!failure) waiter?.resolve();
  else
    waiter?.reject(
      failure.unavailable ? new QueueUnavailable(failure.message) : new Error(failure.message),
    );
};

const tasks = runPeriodically(
  [
    ...periodicTasks(
      {
        store: engine.incidents,
        bus: engine.outbox,
        queue,
        cursors: engine.cursors,
        mutes: engine.mutes,
        links,
        clock,
        log,
        sweep: () => processor.sweep(),
      },
      {
        sweepIntervalMs: settings.sweepIntervalMs,
        rules: settings.rules,
        stackonePoller: settings.stackonePoller,
      },
    ),
    { name: "clean-up", everyMs: CLEANUP_EVERY_MS, run: async () => engine.cleanUp() },
    { name: "digests", everyMs: DIGEST_FLUSH_MS, run: flushDigests },
    {
      name: "data-check",
      everyMs: CLEANUP_EVERY_MS,
      run: () =>
        queue.send(
          nearlyFullEvents(settings.dataDir, [QUEUE_FILE, DATABASE_FILE], settings.maxBytes, now()),
        ),
    },
  ],
  log,
);

const handle = localAdminApi({ ...ports, bus: engine.outbox }, { links, stackone, email }, context);

type Async<T> = {
  [K in keyof T]: T[K] extends (...a: infer A) => infer R ? (...a: A) => R | Promise<R> : never;
};

const calls: Async<EngineCalls> = {
  request(request) {
    // A Buffer crosses threads as a plain Uint8Array.
    const body =
      request.body &&
      Buffer.from(request.body.buffer, request.body.byteOffset, request.body.length);
    return handle({ ...request, body });
  },
  stats(): WorkerStats {
    const deliveries = engine.outbox.counts();
    return {
      engine: "sqlite",
      queue: {
        inFlight: 0,
        batches: processor.stats.batches,
        dead: engine.consumer.deadLettered(),
      },
      writes: { event: engine.incidents.writes.event, incident: engine.incidents.writes.incident },
      notices: engine.outbox.publishedCount,
      deliveries: { ...deliveries, inFlight: delivery.busy() },
    };
  },
  idle: () => delivery.idle(),
  runTask: (name) => tasks.runNow(name),
  health() {
    const refused = probeWrite(
      engine.db,
      "INSERT OR REPLACE INTO cursors (name, value) VALUES ('healthz', ?)",
    );
    return refused === undefined
      ? { ok: true }
      : { ok: false, reason: `quirkwatch.db does not take writes: ${refused}` };
  },
  metrics: () => ({
    totals: totals.snapshot(),
    incidentsOpen: openIncidents.all(),
    outboxPending: engine.outbox.counts().pending,
  }),
  async close() {
    processor.stop();
    await tasks.stop();
    processor.drain();
    // The last batches reach the disk, and the HTTP thread hears of them, before the files close.
    await processor.synced();
    await Promise.race([delivery.stop(), new Promise((r) => setTimeout(r, CLOSE_DELIVERY_MS))]);
    engine.close();
  },
};

port.on("message", async (message: MainMessage) => {
  if ("appended" in message) return processor.appended(message.appended);
  if ("sent" in message) return sent(message.sent, message.failure);
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
post({
  ready: true,
  processedThrough: processor.processedThrough(),
});
