import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { RequestLogRecord } from "../../scripts/demo-scenarios.ts";

/**
 * StackOne on 127.0.0.1, reading requests the way StackOne's TypeScript SDK sends them
 * (`@stackone/stackone-client-ts`; test/contract/stackone-wire.test.ts holds it to that):
 * - `GET /requests/logs` (HTTP Basic with the API key as user name) reads its filters as bare
 *   parameters (`start_date`, `end_date`, `success`, `providers`, `http_methods`, `resources`,
 *   `status_codes`; lists comma-separated), oldest first with `order_direction=asc`, `page_size`,
 *   `next`, and ignores what it does not know, `filter[...]` included, as a real server does. It
 *   answers `{data, next}` with each log's summary.
 * - `GET /requests/logs/{id}` answers `{data}` with its request and response; their bodies and
 *   `provider_errors` are advanced-log data, there only with `include=advanced_logs` and while
 *   the project keeps them (`advancedLogs("off")` turns that off, `"errors"` keeps failed
 *   requests' only, like StackOne's error-only mode).
 * - `GET /accounts/{id}` answers a linked account set with `account`.
 * Tests add logs (`add`), script failures for the next calls (`fail`), and read what was asked
 * (`calls`, each with its raw query and headers; `transcript()` as lines). Its unified API
 * answers what a test sets for a route (`answer("GET /unified/hris/employees", ...)`).
 */

export type Call = {
  method: string;
  path: string;
  /** The query string as sent, without `?`: how the parameters were encoded. */
  rawQuery: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  authorized: boolean;
};

/** Whether the StackOne project keeps advanced logs: on, off, or for failed requests only. */
export type AdvancedLogs = "on" | "off" | "errors";
export type Failure = { status: number; body?: unknown; headers?: Record<string, string> };

export const STACKONE_KEY = "stackone-test-key";

export async function startStackoneServer(key = STACKONE_KEY) {
  const logs: RequestLogRecord[] = [];
  const calls: Call[] = [];
  const failures: { on: "list" | "detail" | "any"; failure: Failure }[] = [];
  const answers = new Map<string, Failure>();
  const accounts = new Map<string, Record<string, unknown>>();
  const expected = `Basic ${Buffer.from(`${key}:`).toString("base64")}`;
  let advanced: AdvancedLogs = "on";

  function reply(res: ServerResponse, status: number, body: unknown, headers = {}) {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(body));
  }

  function list(query: URLSearchParams): { data: unknown[]; next: string | null } {
    const start = Date.parse(query.get("start_date") ?? "");
    const end = Date.parse(query.get("end_date") ?? "");
    const inList = (name: string, value: unknown) => {
      const wanted = query.get(name);
      return wanted === null || wanted.split(",").includes(String(value));
    };
    const success = query.get("success");
    const matching = logs
      .filter((log) => {
        const at = Date.parse(String(log.event_datetime));
        return (Number.isNaN(start) || at >= start) && (Number.isNaN(end) || at <= end);
      })
      .filter((log) => success === null || String(log.success) === success)
      .filter((log) => inList("providers", log.provider))
      .filter((log) => inList("http_methods", log.http_method))
      .filter((log) => inList("resources", log.resource))
      .filter((log) => inList("status_codes", log.status))
      .sort((a, b) => Date.parse(String(a.event_datetime)) - Date.parse(String(b.event_datetime)));
    if (query.get("order_direction") !== "asc") matching.reverse();
    const size = Number(query.get("page_size") ?? 25);
    const offset = Number(query.get("next") ?? 0);
    const page = matching.slice(offset, offset + size);
    const next = offset + size < matching.length ? String(offset + size) : null;
    return { data: page.map(({ request: _, response: __, ...summary }) => summary), next };
  }

  /** A log's detail: its bodies and provider errors only when asked for and kept. */
  function detailOf(log: RequestLogRecord, include: string | null): RequestLogRecord {
    const kept = advanced === "on" || (advanced === "errors" && log.success === false);
    if (include === "advanced_logs" && kept) return log;
    const { request, response, ...summary } = log as RequestLogRecord & {
      request?: Record<string, unknown>;
      response?: Record<string, unknown>;
    };
    const { body: _, ...plainRequest } = request ?? {};
    const { body: __, provider_errors: ___, ...plainResponse } = response ?? {};
    return { ...summary, request: plainRequest, response: plainResponse };
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const authorized = req.headers.authorization === expected;
    calls.push({
      method: req.method ?? "GET",
      path: url.pathname,
      rawQuery: url.search.slice(1),
      query: url.searchParams,
      headers: req.headers,
      authorized,
    });
    const detail = /^\/requests\/logs\/([^/]+)$/.exec(url.pathname);
    const kind = url.pathname === "/requests/logs" ? "list" : detail ? "detail" : undefined;
    const scripted = failures.findIndex((f) => f.on === "any" || f.on === kind);
    if (kind !== undefined && scripted >= 0) {
      const failure = failures.splice(scripted, 1)[0]?.failure as Failure;
      return reply(res, failure.status, failure.body ?? { message: "scripted" }, failure.headers);
    }
    if (!authorized) {
      return reply(res, 401, { statusCode: 401, message: "Invalid API key" });
    }
    const answer = answers.get(`${req.method} ${url.pathname}`);
    if (answer) return reply(res, answer.status, answer.body ?? {}, answer.headers);
    const account = /^\/accounts\/([^/]+)$/.exec(url.pathname);
    if (account) {
      const found = accounts.get(decodeURIComponent(String(account[1])));
      return found
        ? reply(res, 200, found)
        : reply(res, 404, { statusCode: 404, message: "Account not found" });
    }
    if (kind === "list") return reply(res, 200, list(url.searchParams));
    if (detail) {
      const log = logs.find((l) => l.request_id === decodeURIComponent(String(detail[1])));
      return log
        ? reply(res, 200, { data: detailOf(log, url.searchParams.get("include")) })
        : reply(res, 404, { statusCode: 404, message: "Log not found" });
    }
    return reply(res, 404, { statusCode: 404, message: "Not found" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    key,
    calls,
    /** Logs StackOne has indexed from now on (a late one has an old `event_datetime`). */
    add(...added: RequestLogRecord[]) {
      logs.push(...added);
    },
    /** Whether the project keeps advanced logs (bodies, provider errors); "on" at first. */
    advancedLogs(mode: AdvancedLogs) {
      advanced = mode;
    },
    /** The calls as the server logged them: `METHOD /path?query`, one a line. */
    transcript: () =>
      calls.map((c) => `${c.method} ${c.path}${c.rawQuery ? `?${c.rawQuery}` : ""}`).join("\n"),
    /** The next calls of a kind answer these failures, in order. */
    fail(on: "list" | "detail" | "any", ...next: Failure[]) {
      failures.push(...next.map((failure) => ({ on, failure })));
    },
    /** A linked account, as `GET /accounts/{id}` answers it. */
    account(id: string, fields: Record<string, unknown>) {
      accounts.set(id, { id, status: "active", ...fields });
    },
    accountCalls: () => calls.filter((c) => c.path.startsWith("/accounts/")),
    /** What the unified API answers to `METHOD /path` from now on. */
    answer(route: string, reply: Failure) {
      answers.set(route, reply);
    },
    /** Calls made to list logs, and to read one. */
    listCalls: () => calls.filter((c) => c.path === "/requests/logs"),
    detailCalls: () => calls.filter((c) => c.path.startsWith("/requests/logs/")),
    reset() {
      logs.length = 0;
      calls.length = 0;
      failures.length = 0;
      answers.clear();
      accounts.clear();
      advanced = "on";
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export type StackoneServer = Awaited<ReturnType<typeof startStackoneServer>>;
