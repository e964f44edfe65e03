import { mkdirSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { ROUTES as API_ROUTES, createHandler as createApi } from "../../functions/api.ts";
import { createHandler as createIngest } from "../../functions/ingest.ts";
import { createHandler as createProcessor } from "../../functions/process.ts";
import { createHandler as createSweeper } from "../../functions/sweep.ts";
import { createTable } from "../../shared/adapters/create-table.ts";
import { createDynamoClient } from "../../shared/adapters/dynamo-client.ts";
import { DynamoIncidentStore } from "../../shared/adapters/dynamo-store.ts";
import { MemoryBus } from "../../shared/adapters/memory-bus.ts";
import { MemoryQueue } from "../../shared/adapters/memory-queue.ts";
import { createClassifier } from "../../shared/classify/classifier.ts";
import type { QuirkRule } from "../../shared/quirks/rule.ts";
import { createApiGateway, type LocalHandler } from "./api-gateway.ts";
import { formatNotice } from "./console-notice.ts";
import { startDynalite } from "./dynalite.ts";

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
};

export type Stack = Awaited<ReturnType<typeof startStack>>;

export const TABLE_NAME = "quirkwatch";

/** The whole pipeline on this machine: the same handlers, dynalite, in-process queue and bus. */
export async function startStack(options: StackOptions) {
  const log = options.log ?? ((line: string) => console.log(line));
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const dynamo = await startDynalite(options.dataDir ? join(options.dataDir, "dynamo") : undefined);
  const client = createDynamoClient(dynamo.endpoint);
  await createTable(client, TABLE_NAME);
  const store = new DynamoIncidentStore(client, TABLE_NAME);

  const bus = new MemoryBus([
    { name: "console", deliver: async (notice) => log(formatNotice(notice)) },
  ]);
  const processor = createProcessor({
    store,
    bus,
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
  const ingest = createIngest({
    queue,
    stackoneSecrets: options.stackoneSecrets,
    genericSecret: options.genericSecret,
  });
  const api = createApi({ store, adminToken: options.adminToken });

  const routes: Record<string, LocalHandler> = { "POST /webhooks/{source}": ingest };
  for (const routeKey of Object.keys(API_ROUTES)) routes[routeKey] = api;
  const server = createApiGateway(routes);
  await new Promise<void>((resolve) =>
    server.listen(options.port, options.host ?? "127.0.0.1", resolve),
  );
  const { port } = server.address() as AddressInfo;

  const sweeper = createSweeper({ store, bus });
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
    sweepNow,
    /** Stops taking requests, then finishes everything already accepted. */
    async close() {
      clearInterval(timer);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await queue.drain();
      await sweeping;
      await bus.drain();
      client.destroy();
      await dynamo.close();
    },
  };
}
