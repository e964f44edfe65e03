import { Worker } from "node:worker_threads";
import { type QueueMessage, QueueUnavailable } from "../../shared/ingest/queue.ts";
import type { CallMessage, EngineCalls, EngineSettings, WorkerMessage } from "./engine-protocol.ts";
import type { LocalEngine } from "./local-engine.ts";
import { StartupError } from "./startup-error.ts";
import { bundleWorker } from "./worker-bundle.ts";

type Waiting = { messages: QueueMessage[]; resolve: () => void; reject: (error: Error) => void };

/**
 * The SQLite engine, seen from the HTTP thread: a worker thread owns the database. Sends from
 * ingest are gathered for one event-loop turn and handed over in one message, and the worker
 * commits them together; each 202 waits for its commit.
 */
export async function startSqliteEngine(
  settings: EngineSettings,
  log: (line: string) => void,
): Promise<LocalEngine> {
  const worker = new Worker(await bundleWorker(new URL("./engine-worker.ts", import.meta.url)), {
    workerData: { settings },
    // The engine's allocations are short-lived (rows, JSON): a small heap, collected early,
    // keeps the process's memory low (the storm stays under 200 MB).
    resourceLimits: { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 128 },
  });
  const pending = new Map<number, { resolve(value: unknown): void; reject(e: Error): void }>();
  let nextId = 0;
  let exited: Error | undefined;

  const ready = new Promise<string[]>((resolve, reject) => {
    worker.on("message", (message: WorkerMessage) => {
      if ("log" in message) log(message.log);
      else if ("ready" in message) resolve(message.routes);
      else if ("failed" in message)
        reject(
          new StartupError(
            `the database in ${settings.dataDir} cannot be opened: ${message.failed}`,
          ),
        );
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
  const routes = await ready;

  const call = <K extends keyof EngineCalls>(
    name: K,
    ...args: Parameters<EngineCalls[K]>
  ): Promise<ReturnType<EngineCalls[K]>> => {
    if (exited) return Promise.reject(exited);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ id, call: name, args } satisfies CallMessage);
    });
  };

  let waiting: Waiting[] = [];
  const flush = async () => {
    const group = waiting;
    waiting = [];
    try {
      const results = await call(
        "append",
        group.map((w) => w.messages),
      );
      group.forEach((w, i) => {
        const failure = results[i];
        if (!failure) w.resolve();
        else
          w.reject(
            failure.unavailable
              ? new QueueUnavailable(failure.message)
              : new Error(failure.message),
          );
      });
    } catch (error) {
      for (const w of group) w.reject(error as Error);
    }
  };

  return {
    name: "sqlite",
    routes,
    queue: {
      send(messages) {
        return new Promise((resolve, reject) => {
          if (waiting.length === 0) setImmediate(flush);
          waiting.push({ messages, resolve, reject });
        });
      },
    },
    handle: (event) => call("request", event),
    stats: () => call("stats"),
    idle: () => call("idle"),
    runTask: (name) => call("runTask", name),
    async close() {
      await call("close");
      await worker.terminate();
    },
  };
}
