import type { AddressInfo } from "node:net";
import dynalite from "dynalite";

export type LocalDynamo = { endpoint: string; close(): Promise<void> };

/** dynalite in this process: in memory, or persisted under `path`. */
export async function startDynalite(path?: string): Promise<LocalDynamo> {
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(path ? { path } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
