/**
 * `npm start` against clients that announce large bodies and stall: the server holds no more
 * than each route's limit for any of them, answers what it can refuse at once, and keeps
 * serving everyone else.
 */
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StackStats } from "../../server/stack.ts";
import { MAX_BODY_BYTES } from "../../shared/ingest/receive.ts";
import { leverRevoked } from "../support/factories.ts";
import {
  adminJson,
  postStackone,
  type RunningStack,
  startLocalStack,
} from "../support/local-stack.ts";

const MiB = 1024 * 1024;
const STALLED = 300;
let stack: RunningStack;
const sockets: Socket[] = [];

beforeAll(async () => {
  stack = await startLocalStack();
}, 60_000);
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await stack?.stop();
});

/** Opens a connection, sends `head` and `bytes` of body, and resolves once they are sent. */
function stall(head: string, bytes: number): Promise<Socket> {
  const { port } = new URL(stack.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), "127.0.0.1", () => {
      socket.write(head);
      socket.write(Buffer.alloc(bytes, 0x20), () => resolve(socket));
    });
    socket.on("error", reject);
    sockets.push(socket);
  });
}

/** Sends headers alone and resolves with the status of the answer. */
function headersOnly(head: string): Promise<number> {
  const { port } = new URL(stack.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), "127.0.0.1", () => socket.write(head));
    socket.setEncoding("utf8");
    socket.once("data", (text: string) => {
      resolve(Number(text.split(" ")[1]));
      socket.destroy();
    });
    socket.on("error", reject);
  });
}

const post = (path: string, length: number, headers = "") =>
  `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${length}\r\n${headers}\r\n`;

describe("npm start with many stalled clients", () => {
  it("stays small and keeps answering while 300 clients stall halfway through 1 MiB", async () => {
    // As reported: 1 MiB announced to a webhook route, 512 KiB sent, then nothing.
    await Promise.all(
      Array.from({ length: STALLED }, () =>
        stall(post("/webhooks/stackone", MiB, "x-stackone-signature: x\r\n"), MiB / 2),
      ),
    );
    // And clients that announce exactly the route's limit, which the server must read.
    await Promise.all(
      Array.from({ length: 100 }, () =>
        stall(
          post("/webhooks/stackone", MAX_BODY_BYTES, "x-stackone-signature: x\r\n"),
          MAX_BODY_BYTES / 2,
        ),
      ),
    );
    // Unauthenticated 1 MiB admin calls are refused from their headers.
    const refused = await Promise.all(
      Array.from({ length: STALLED }, () => headersOnly(post("/mutes", MiB))),
    );
    expect(new Set(refused)).toEqual(new Set([401]));

    // While they hang, an ordinary webhook is accepted and the process stays small.
    const response = await postStackone(stack.url, leverRevoked("ordinary-1", "acct-slow"));
    expect(response.status).toBe(202);
    const stats = await adminJson<StackStats>(stack, "/_local/stats");
    expect(stats.peak_rss_bytes).toBeLessThan(400 * MiB);
    expect(sockets.filter((s) => !s.destroyed)).toHaveLength(STALLED + 100);
  }, 120_000);
});
