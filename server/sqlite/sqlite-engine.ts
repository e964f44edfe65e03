import { Worker } from "node:worker_threads";
import { openEventQueue, type SqliteEventQueue } from "../../shared/adapters/sqlite/event-queue.ts";
import { probeWrite } from "../../shared/adapters/sqlite/write-probe.ts";
import type { QueueMessage } from "../../shared/events/queue.ts";
import { QueueUnavailable } from "../../shared/events/queue.ts";
import { fromDist, sourceModule } from "../built.ts";
import { type EngineSettings, type LocalEngine, STALL_MS } from "../engine.ts";
import { StartupError } from "../startup-error.ts";
import type { CallMessage, EngineCalls, MainMessage, WorkerMessage } from "./worker-protocol.ts";

/** The least time between two messages telling the worker of appended rows. */
const APPENDED_EVERY_MS = 25;

/**
 * The SQLite engine, seen from the HTTP thread. This thread owns the events queue (queue.db):
 * ingest's sends are appended here, one commit per fsync (group commit), and each 202 waits for
 * that commit's fsync, never for the worker. A worker thread owns everything else
 * (quirkwatch.db): it reads queue.db on its own and says how far it has processed, and this
 * thread deletes those rows. Only seqs cross between them, never event bodies.
 */
export async function startSqliteEngine(
  settings: EngineSettings,
  log: (line: string) => void,
): Promise<LocalEngine> {
  const cannotOpen = (reason: string) =>
    new StartupError(`the database in ${settings.dataDir} cannot be opened: ${reason}`);
  let queue: SqliteEventQueue;
  try {
    // Before the worker starts: it opens this file read-only.
    queue = openEventQueue(settings.dataDir, { maxBytes: settings.maxBytes });
  } catch (error) {
    throw cannotOpen(error instanceof Error ? error.message : String(error));
  }
  let worker: Worker;
  try {
    worker = new Worker(await workerFile(), {
      workerData: { settings },
      // The engine's allocations are short-lived (rows, JSON): a small heap, collected early,
      // keeps the process's memory low (the storm stays under 200 MB).
      resourceLimits: { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 128 },
    });
  } catch (error) {
    queue.close();
    throw error;
  }
  const tell = (message: MainMessage) => worker.postMessage(message);
  const pending = new Map<number, { resolve(value: unknown): void; reject(e: Error): void }>();
  let nextId = 0;
  let exited: Error | undefined;

  /** The worker's request-log poller sends through this thread's queue. */
  const sendFor = (id: number, messages: QueueMessage[]) =>
    queue.send(messages).then(
      () => tell({ sent: id }),
      (error: Error) =>
        tell({
          sent: id,
          failure: { message: error.message, unavailable: error instanceof QueueUnavailable },
        }),
    );

  /** Since when events have waited without the processor moving on; undefined when none wait. */
  let waitingSince: number | undefined;
  /** The last append refused for want of room, until one succeeds. */
  let refused: string | undefined;
  const ready = new Promise<number>((resolve, reject) => {
    worker.on("message", (message: WorkerMessage) => {
      if ("processed" in message) {
        queue.processed(message.processed);
        waitingSince = queue.hasPending() ? Date.now() : undefined;
      } else if ("send" in message) void sendFor(message.send, message.messages);
      else if ("log" in message) log(message.log);
      else if ("ready" in message) {
        resolve(message.processedThrough);
      } else if ("failed" in message) reject(cannotOpen(message.failed));
      else {
        const waiter = pending.get(message.id);
        pending.delete(message.id);
        if (message.ok) waiter?.resolve(message.value);
        else waiter?.reject(new Error(message.error));
      }
    });
    worker.on("error", (error) => {
      log(`engine: ${error.stack ?? error.message}`);
      reject(error);
    });
    worker.on("exit", (code) => {
      exited = new Error(`the engine stopped (exit code ${code})`);
      reject(exited);
      for (const waiter of pending.values()) waiter.reject(exited);
      pending.clear();
    });
  });
  try {
    queue.resumeAfter(await ready);
  } catch (error) {
    await worker.terminate();
    queue.close();
    throw error;
  }
  // The worker is told of appends at most once per APPENDED_EVERY_MS: each message wakes its
  // thread, and while its batch window (200 ms) is open a new one changes nothing (the batch
  // reads whatever the file holds by then). The first append after a quiet spell is told at once.
  let appendedThrough = 0;
  let toldAt = 0;
  let telling: NodeJS.Timeout | undefined;
  const tellAppended = () => {
    telling = undefined;
    toldAt = Date.now();
    tell({ appended: appendedThrough });
  };
  queue.onAppended = (through) => {
    waitingSince ??= Date.now();
    appendedThrough = through;
    if (telling !== undefined) return;
    const wait = toldAt + APPENDED_EVERY_MS - Date.now();
    if (wait <= 0) tellAppended();
    else telling = setTimeout(tellAppended, wait);
  };

  const call = <K extends keyof EngineCalls>(
    name: K,
    ...args: Parameters<EngineCalls[K]>
  ): Promise<ReturnType<EngineCalls[K]>> => {
    if (exited) return Promise.reject(exited);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      tell({ id, call: name, args } satisfies CallMessage);
    });
  };

  return {
    name: "sqlite",
    queue: {
      // Nothing would process them: refused, not accepted into a file no one reads.
      send: (messages) =>
        exited
          ? Promise.reject(new QueueUnavailable(exited.message))
          : queue.send(messages).then(
              () => {
                refused = undefined;
              },
              (error: Error) => {
                if (error instanceof QueueUnavailable) refused = error.message;
                throw error;
              },
            ),
    },
    async health() {
      if (exited) return { ok: false, reason: exited.message };
      const full = refused ?? probeWrite(queue.db, "INSERT INTO queue (body) VALUES (?)");
      if (full !== undefined)
        return { ok: false, reason: `queue.db does not take writes: ${full}` };
      const worker = await call("health");
      if (!worker.ok) return worker;
      if (waitingSince !== undefined && Date.now() - waitingSince > STALL_MS) {
        return {
          ok: false,
          reason: `the queue is not draining: ${queue.pending()} event(s) waiting, none processed for ${Math.round((Date.now() - waitingSince) / 1000)} s`,
        };
      }
      return { ok: true };
    },
    async metrics() {
      return { ...(await call("metrics")), queueDepth: queue.pending() };
    },
    handle: (request) => call("request", request),
    async stats() {
      const worker = await call("stats");
      return {
        ...worker,
        queue: { ...worker.queue, pending: queue.pending() },
        writes: { ...worker.writes, other: queue.appended },
      };
    },
    // The queue first: whatever the worker reported processed has its notices in the outbox,
    // which the worker's answer then covers.
    idle: async () => !queue.hasPending() && (await call("idle")),
    runTask: (name) => call("runTask", name),
    async close() {
      clearTimeout(telling);
      await call("close");
      await worker.terminate();
      queue.close();
    },
  };
}

/** The worker's JavaScript: built beside this bundle, or bundled now from the sources. */
async function workerFile(): Promise<URL> {
  if (fromDist()) return new URL("./sqlite-worker.mjs", import.meta.url);
  const { bundleWorker } = await sourceModule<typeof import("./worker-bundle.ts")>(
    new URL("./worker-bundle.ts", import.meta.url),
  );
  return bundleWorker(new URL("./worker.ts", import.meta.url));
}
