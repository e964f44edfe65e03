// dynalite on a worker thread, so the database and the pipeline use a core each.
import { parentPort, workerData } from "node:worker_threads";
import dynalite from "dynalite";

const server = dynalite({
  createTableMs: 0,
  deleteTableMs: 0,
  updateTableMs: 0,
  ...(workerData.path ? { path: workerData.path } : {}),
});
// Longer than the SDK keeps idle sockets, so the server never closes one the client is reusing.
server.keepAliveTimeout = 120_000;
server.on("error", (error) => parentPort.postMessage({ error: String(error) }));
server.listen(0, "127.0.0.1", () => parentPort.postMessage({ port: server.address().port }));
parentPort.on("message", (message) => {
  if (message === "close") server.close(() => process.exit(0));
});
