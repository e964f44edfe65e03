import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * StackOne's `POST /connect_sessions` on 127.0.0.1, following the wire format of StackOne's
 * TypeScript SDK (`connectSessionsCreateConnectSession`, 4.28.0): HTTP Basic with the API key as
 * user name, a JSON body in snake_case whose `origin_owner_id` and `origin_owner_name` are
 * required, and a 201 carrying every field the SDK's answer schema requires (`id` and
 * `organization_id` numbers; `project_id`, `origin_owner_id`, `origin_owner_name`,
 * `auth_link_url`, `created_at`, `token` strings). An `account_id` it does not know answers 404.
 * Every request is recorded whole (method, path, query, headers, body) so a test can compare
 * what two clients sent, and logged as one line (`lines`) for a trace. For a whole stack it
 * also answers `GET /accounts/{id}` (a known account's origin owner) and lists no request logs.
 */

export type RecordedRequest = {
  method: string;
  path: string;
  query: string;
  /** Lower-case names; `host` and `content-length` differ by connection, not by client. */
  headers: Record<string, string>;
  body: string;
};

export type Scripted = { status: number; body?: unknown; headers?: Record<string, string> };

export const CONNECT_KEY = "stackone-connect-test-key";

export async function startStackoneConnectServer(key = CONNECT_KEY) {
  const requests: RecordedRequest[] = [];
  const lines: string[] = [];
  const scripted: Scripted[] = [];
  const accounts = new Map<string, { origin_owner_id: string; origin_owner_name: string }>();
  const sessions: { id: number; account_id: string; auth_link_url: string }[] = [];
  const expected = `Basic ${Buffer.from(`${key}:`).toString("base64")}`;
  let nextId = 1000;

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (name === "host" || name === "content-length" || value === undefined) continue;
        headers[name] = Array.isArray(value) ? value.join(", ") : value;
      }
      const body = Buffer.concat(chunks).toString("utf8");
      requests.push({
        method: req.method ?? "",
        path: url.pathname,
        query: url.search,
        headers,
        body,
      });
      const reply = (status: number, answer: unknown, extra: Record<string, string> = {}) => {
        lines.push(`stackone: ${req.method} ${url.pathname}${url.search} ${body} -> ${status}`);
        res.writeHead(status, { "content-type": "application/json", ...extra });
        res.end(JSON.stringify(answer));
      };
      if (req.headers.authorization !== expected) {
        return reply(401, { statusCode: 401, message: "Invalid API key" });
      }
      if (req.method === "GET" && url.pathname === "/requests/logs") {
        return reply(200, { data: [], next: null });
      }
      const next = scripted.shift();
      if (next) return reply(next.status, next.body ?? { message: "scripted" }, next.headers);
      const lookup = /^\/accounts\/([^/]+)$/.exec(url.pathname);
      if (req.method === "GET" && lookup) {
        const id = decodeURIComponent(lookup[1] ?? "");
        const owner = accounts.get(id);
        return owner
          ? reply(200, { id, status: "active", ...owner })
          : reply(404, { statusCode: 404, message: "Account not found" });
      }
      if (req.method !== "POST" || url.pathname !== "/connect_sessions") {
        return reply(404, { statusCode: 404, message: "Not found" });
      }
      if (!String(req.headers["content-type"]).startsWith("application/json")) {
        return reply(415, { statusCode: 415, message: "Unsupported media type" });
      }
      let session: Record<string, unknown>;
      try {
        session = JSON.parse(body) as Record<string, unknown>;
      } catch {
        return reply(400, { statusCode: 400, message: "Malformed JSON" });
      }
      if (
        typeof session.origin_owner_id !== "string" ||
        typeof session.origin_owner_name !== "string"
      ) {
        return reply(400, {
          statusCode: 400,
          message: "origin_owner_id and origin_owner_name are required",
        });
      }
      const accountId = session.account_id;
      if (typeof accountId === "string" && !accounts.has(accountId)) {
        return reply(404, { statusCode: 404, message: "Account not found" });
      }
      const id = nextId++;
      const token = `cst_${id}`;
      const authLinkUrl = `https://hub.stackone.test/connect?token=${token}`;
      sessions.push({ id, account_id: String(accountId), auth_link_url: authLinkUrl });
      return reply(201, {
        id,
        organization_id: 1,
        project_id: "proj_test",
        account_id: accountId,
        origin_owner_id: session.origin_owner_id,
        origin_owner_name: session.origin_owner_name,
        provider: session.provider,
        auth_link_url: authLinkUrl,
        created_at: new Date().toISOString(),
        token,
        type: session.type,
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    key,
    /** Every request, whole, oldest first. */
    requests,
    /** One line per request: what was asked and the status answered. */
    lines,
    /** Sessions made, oldest first. */
    sessionRequests: () => requests.filter((r) => r.path === "/connect_sessions"),
    sessions,
    /** A linked account StackOne knows, and its origin owner. */
    account(
      id: string,
      owner = { origin_owner_id: `org_${id}`, origin_owner_name: `Owner of ${id}` },
    ) {
      accounts.set(id, owner);
    },
    /** The next requests (but request-log lists) get these answers, in order, whatever they ask. */
    fail(...next: Scripted[]) {
      scripted.push(...next);
    },
    reset() {
      requests.length = 0;
      lines.length = 0;
      scripted.length = 0;
      sessions.length = 0;
      accounts.clear();
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export type StackoneConnectServer = Awaited<ReturnType<typeof startStackoneConnectServer>>;
