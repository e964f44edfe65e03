import { Agent, request } from "node:http";
import { type AddressInfo, connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpServer, type LocalRoute } from "../../server/http-server.ts";
import { ADMIN_BODY_BYTES, NO_BODY, route } from "../../shared/api/route.ts";
import { error } from "../../shared/http.ts";

type Answer = { status: number; body: string; reused: boolean };

const TOKEN = "gateway-token";
const INGEST_LIMIT = 256 * 1024;

/** One request on `agent`, saying whether it went over a connection already used. */
function call(
  port: number,
  options: { method?: string; path?: string; headers?: Record<string, string>; agent?: Agent },
  body?: Buffer | string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        port,
        host: "127.0.0.1",
        method: options.method ?? "POST",
        path: options.path ?? "/webhooks/stackone",
        headers: options.headers,
        agent: options.agent ?? false,
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
        });
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: text, reused: req.reusedSocket }),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** Sends `head` (a request's headers, no body) on a raw socket and returns the first answer. */
function headersOnly(port: number, head: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(head));
    let text = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      text += chunk;
      const end = text.indexOf("\r\n\r\n");
      const length = Number(/content-length: (\d+)/i.exec(text)?.[1] ?? Number.NaN);
      if (end >= 0 && text.length >= end + 4 + length) {
        socket.destroy();
        resolve({ status: Number(text.split(" ")[1]), body: text.slice(end + 4) });
      }
    });
    socket.on("error", reject);
  });
}

const seen: string[] = [];
const seenBodies: (Buffer | undefined)[] = [];
const handlerOf =
  (name: string): LocalRoute["handler"] =>
  async (event) => {
    seen.push(name);
    seenBodies.push(event.body);
    return { statusCode: 202, body: JSON.stringify({ name, bytes: event.body?.length ?? 0 }) };
  };

describe("the HTTP server", () => {
  let server: ReturnType<typeof createHttpServer>;
  let port: number;
  beforeAll(async () => {
    server = createHttpServer(
      [
        {
          ...route("POST /webhooks/{source}", "signature", INGEST_LIMIT, handlerOf("ingest")),
          precheck: ({ params }) =>
            params.source === "off" ? error(404, "webhooks from off are off") : undefined,
        },
        route("POST /mutes", "token", ADMIN_BODY_BYTES, handlerOf("mutes")),
        route("DELETE /mutes/{id}", "token", NO_BODY, handlerOf("unmute")),
        route("GET /incidents", "token", NO_BODY, handlerOf("incidents")),
        route("GET /", "none", NO_BODY, handlerOf("page")),
      ],
      { adminToken: TOKEN, allowedHosts: new Set(["127.0.0.1", "localhost", "quirkwatch.lan"]) },
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it("answers a body over the route's limit with a JSON 413 and keeps the connection", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect((await call(port, { agent }, "{}")).status).toBe(202);
      const big = await call(port, { agent }, Buffer.alloc(INGEST_LIMIT + 1, "x"));
      expect(big.status).toBe(413);
      expect(JSON.parse(big.body)).toMatchObject({ error: expect.stringMatching(/too large/) });
      const next = await call(port, { agent }, "{}");
      expect(next).toMatchObject({ status: 202, reused: true });
      // Exactly the limit is taken.
      const full = await call(port, { agent }, Buffer.alloc(INGEST_LIMIT, "x"));
      expect(full.status).toBe(202);
    } finally {
      agent.destroy();
    }
  });

  it("refuses an announced length over the limit before any of the body is sent", async () => {
    const answer = await headersOnly(
      port,
      "POST /webhooks/stackone HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: 1048576\r\n\r\n",
    );
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body).details[0].message).toBe(`at most ${INGEST_LIMIT} bytes`);
  });

  it("refuses an admin call without the token before reading its body", async () => {
    const answer = await headersOnly(
      port,
      "POST /mutes HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 60000\r\n\r\n",
    );
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.body).details[0].path).toBe("authorization");
    const wrong = await call(
      port,
      { path: "/incidents", method: "GET", headers: { authorization: "Bearer nope" } },
      undefined,
    );
    expect(wrong.status).toBe(401);
    seen.length = 0;
    const right = await call(port, {
      path: "/incidents",
      method: "GET",
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(right.status).toBe(202);
    expect(seen).toEqual(["incidents"]);
  });

  it("lets a route refuse from its headers before its body is read", async () => {
    const answer = await headersOnly(
      port,
      "POST /webhooks/off HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: 1000\r\n\r\n",
    );
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.body).error).toMatch(/off/);
  });

  it("takes only JSON on a route that changes state, and no cross-site request", async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const body = JSON.stringify({ account_id: "a", duration_seconds: 60 });
    const post = (headers: Record<string, string>) =>
      call(port, { path: "/mutes", headers: { ...auth, ...headers } }, body);
    expect((await post({ "content-type": "application/json; charset=utf-8" })).status).toBe(202);
    expect((await post({ "content-type": "text/plain" })).status).toBe(415);
    expect((await post({})).status).toBe(415);
    const json = { "content-type": "application/json" };
    expect((await post({ ...json, origin: "https://evil.example" })).status).toBe(403);
    expect((await post({ ...json, origin: "null" })).status).toBe(403);
    expect((await post({ ...json, "sec-fetch-site": "cross-site" })).status).toBe(403);
    expect((await post({ ...json, "sec-fetch-site": "same-site" })).status).toBe(403);
    // The dashboard's own calls: same origin.
    expect(
      (await post({ ...json, origin: `http://127.0.0.1:${port}`, "sec-fetch-site": "same-origin" }))
        .status,
    ).toBe(202);
    // A DELETE has no body to type.
    const unmute = await call(port, { method: "DELETE", path: "/mutes/m1", headers: auth });
    expect(unmute.status).toBe(202);
  });

  it("answers only for its own host names (DNS rebinding)", async () => {
    const page = (host: string) => call(port, { method: "GET", path: "/", headers: { host } });
    expect((await page(`127.0.0.1:${port}`)).status).toBe(202);
    expect((await page("localhost")).status).toBe(202);
    expect((await page("QuirkWatch.lan:8080")).status).toBe(202);
    const rebound = await page(`attacker.example:${port}`);
    expect(rebound.status).toBe(421);
    expect(JSON.parse(rebound.body).details[0].message).toMatch(/ALLOWED_HOSTS/);
  });

  it("hands the route the body's exact bytes, its parameters and its query", async () => {
    const bytes = Buffer.from([0x7b, 0xff, 0x00, 0xe2, 0x82, 0xac, 0x7d]);
    seenBodies.length = 0;
    const answer = await call(port, { path: "/webhooks/stackone?x=1" }, bytes);
    expect(answer.status).toBe(202);
    expect(seenBodies[0]?.equals(bytes)).toBe(true);
    expect(JSON.parse(answer.body).bytes).toBe(bytes.length);
  });

  it("answers a malformed path or request in JSON, never a 500", async () => {
    const bad = await call(port, { method: "DELETE", path: "/mutes/%E0%A4%A", headers: {} });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error).toMatch(/path/);
    const garbage = await headersOnly(port, "NOT HTTP AT ALL\r\n\r\n");
    expect(garbage.status).toBe(400);
    expect(JSON.parse(garbage.body)).toMatchObject({ error: expect.any(String) });
  });
});
