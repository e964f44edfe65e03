import { Worker } from "node:worker_threads";

export type LocalDynamo = { endpoint: string; close(): Promise<void> };

/** dynalite on a worker thread of this process: in memory, or persisted under `path`. */
export async function startDynalite(path?: string): Promise<LocalDynamo> {
  const worker = new Worker(new URL("./dynalite-worker.mjs", import.meta.url), {
    workerData: { path },
  });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once("error", reject);
    worker.once("message", (message: { port?: number; error?: string }) =>
      message.port ? resolve(message.port) : reject(new Error(`dynalite: ${message.error}`)),
    );
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: async () => {
      const exited = new Promise((resolve) => worker.once("exit", resolve));
      worker.postMessage("close");
      await exited;
    },
  };
}
