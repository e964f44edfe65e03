import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Received = { path: string; headers: IncomingMessage["headers"]; body: string };
/** Answers one request; one that never answers plays a receiver slower than any timeout. */
export type Reply = (res: ServerResponse, received: Received) => void;

export const ok: Reply = (res) => res.writeHead(200, { "content-type": "text/plain" }).end("ok");
export const status =
  (code: number, text = "", headers: Record<string, string> = {}): Reply =>
  (res) =>
    res.writeHead(code, { "content-type": "text/plain", ...headers }).end(text);
export const never: Reply = () => undefined;

/** A received request's headers as one string each (a repeated one joined by commas), as webhook verifiers take them. */
export const headersOf = (headers: IncomingMessage["headers"]): Record<string, string> =>
  Object.fromEntries(
    Object.entries(headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(",") : (v ?? "")]),
  );

/**
 * An HTTP server on 127.0.0.1 playing Slack or a customer's webhook: records every request and
 * answers each path from its own script of replies (then 200 ok).
 */
export async function startReceiver() {
  const received: Received[] = [];
  const scripts = new Map<string, Reply[]>();
  let connections = 0;
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      body += chunk;
    });
    req.on("end", () => {
      const request = { path: req.url ?? "", headers: req.headers, body };
      received.push(request);
      (scripts.get(request.path)?.shift() ?? ok)(res, request);
    });
  });
  server.on("connection", () => {
    connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    base: `http://127.0.0.1:${port}`,
    received,
    /** How many TCP connections were opened to it, requests or not. */
    connections: () => connections,
    /** The next replies for `path`, in order. */
    script(path: string, ...replies: Reply[]) {
      scripts.set(path, replies);
    },
    /** Bodies received on `path`, parsed as JSON. */
    // biome-ignore lint/suspicious/noExplicitAny: test helper; callers read what they expect.
    bodies(path: string): any[] {
      return received.filter((r) => r.path === path).map((r) => JSON.parse(r.body));
    },
    reset() {
      received.length = 0;
      scripts.clear();
      connections = 0;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;
