import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from "node:http";
import type { Socket } from "node:net";
import { refuseUnsafeRequest } from "../shared/api/request-guards.ts";
import type { RouteSpec } from "../shared/api/route.ts";
import { checkBearer, error, type HttpRequest, type HttpResponse } from "../shared/http.ts";
import { errorText, fallbackLog, type Logger } from "../shared/log.ts";

/** What answers one route: a request in, its answer out, whatever the transport. */
export type LocalHandler = (request: HttpRequest) => Promise<HttpResponse>;

/** A request whose body has not been read: what a route may refuse it on. */
export type EarlyRequest = { headers: IncomingHttpHeaders; params: Record<string, string> };

/** One route of the local server: its declaration, its handler, and an optional early check. */
export type LocalRoute = RouteSpec & {
  handler: LocalHandler;
  /** Refuses a request from its headers alone, before the body is read (a webhook switched off). */
  precheck?: (request: EarlyRequest) => HttpResponse | undefined;
};

export type GatewayOptions = {
  /** The token every `token` route requires; the local server is never open. */
  adminToken: string;
  /** Host names (lowercase, IPv6 in brackets, no port) the server answers for: DNS rebinding. */
  allowedHosts: ReadonlySet<string>;
  /** Told of a request refused here, before its handler saw it. */
  onRefused?: (
    route: LocalRoute,
    pathParameters: Record<string, string>,
    answer: HttpResponse,
  ) => void;
  /** Where a handler's unexpected failure is told; JSON on stderr when not given. */
  log?: Logger;
};

/**
 * Every request is bounded in time and every connection counted: a client that sends its
 * headers or body slowly, or holds many connections open, cannot hold the server.
 */
export const SERVER_LIMITS = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1_000,
};

/**
 * What is left of a refused body is read and dropped, up to this much, so the sender reads the
 * answer and its keep-alive connection stays usable; past it, the connection is closed.
 */
const MAX_DISCARD_BYTES = 8 * 1024 * 1024;

type CompiledRoute = { route: LocalRoute; pattern: RegExp; params: string[] };

/**
 * node:http ⇄ the routes: the single node's HTTP server, in front of the same route table and
 * handlers Lambda serves behind API Gateway. Before it reads a byte of a body it checks the Host
 * header, the route, the token or the route's own precheck, and the announced length against
 * the route's limit; while reading, it stops at that limit. The handler gets the body's bytes.
 */
export function createHttpServer(routes: LocalRoute[], options: GatewayOptions): Server {
  const compiled: CompiledRoute[] = routes.map((route) => {
    const params: string[] = [];
    const source = route.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
      params.push(name);
      return "([^/]+)";
    });
    return { route, pattern: new RegExp(`^${source}/?$`), params };
  });

  const server = createServer(
    {
      headersTimeout: SERVER_LIMITS.headersTimeoutMs,
      requestTimeout: SERVER_LIMITS.requestTimeoutMs,
      keepAliveTimeout: SERVER_LIMITS.keepAliveTimeoutMs,
      // Timeouts are enforced by a periodic check; every second keeps them close to their value.
      connectionsCheckingInterval: 1_000,
    },
    (req, res) => {
      void serve(compiled, options, req, res);
    },
  );
  server.maxConnections = SERVER_LIMITS.maxConnections;
  server.on("clientError", answerClientError);
  return server;
}

async function serve(
  routes: CompiledRoute[],
  options: GatewayOptions,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  try {
    const host = hostName(req.headers.host);
    if (host === undefined || !options.allowedHosts.has(host)) {
      return refuse(req, res, misdirected(host));
    }
    const target = parseTarget(req.url);
    if (target === undefined) {
      return refuse(
        req,
        res,
        error(400, "the request path is not valid", [{ path: "path", message: "not a URL path" }]),
      );
    }
    const match = findRoute(routes, req.method ?? "GET", target.pathname);
    if (match === "bad path") {
      return refuse(
        req,
        res,
        error(400, "the request path is not valid", [
          { path: "path", message: "bad percent-encoding" },
        ]),
      );
    }
    if (!match) {
      return refuse(
        req,
        res,
        error(404, "no such route", [
          { path: "path", message: `${req.method} ${target.pathname}`.slice(0, 200) },
        ]),
      );
    }
    const { route, pathParameters } = match;
    const early = refuseEarly(route, options, { headers: req.headers, params: pathParameters });
    if (early) {
      options.onRefused?.(route, pathParameters, early);
      return refuse(req, res, early);
    }
    const body = await readBody(req, route.maxBodyBytes);
    if (body === "aborted") return;
    if (body === "too large") {
      const answer = tooLarge(route.maxBodyBytes);
      options.onRefused?.(route, pathParameters, answer);
      return refuse(req, res, answer);
    }
    send(res, await route.handler(toRequest(req, target, route, pathParameters, body)));
  } catch (failure) {
    (options.log ?? fallbackLog).error("HTTP server: a request failed", {
      error: errorText(failure),
    });
    if (!res.headersSent) send(res, error(500, "internal error"));
    else res.destroy();
  }
}

/** The first refusal a request earns from its headers alone, in the order a client can fix them. */
function refuseEarly(
  route: LocalRoute,
  options: GatewayOptions,
  request: EarlyRequest,
): HttpResponse | undefined {
  const unsafe = refuseUnsafeRequest(route, request.headers);
  if (unsafe) return unsafe;
  if (route.auth === "token") {
    const denied = checkBearer(request.headers, options.adminToken);
    if (denied) return denied;
  }
  const refused = route.precheck?.(request);
  if (refused) return refused;
  const announced = contentLength(request.headers);
  if (announced !== undefined && announced > route.maxBodyBytes) {
    return tooLarge(route.maxBodyBytes);
  }
  return undefined;
}

function tooLarge(limit: number): HttpResponse {
  return error(413, limit === 0 ? "this route takes no body" : "the body is too large", [
    { path: "", message: `at most ${limit} bytes` },
  ]);
}

function misdirected(host: string | undefined): HttpResponse {
  return error(421, "this server does not answer for that host name", [
    {
      path: "host",
      message: `${(host ?? "(none)").slice(0, 100)} is not this server's name: add it to ALLOWED_HOSTS`,
    },
  ]);
}

/** The Host header's name, lowercase, without its port; IPv6 keeps its brackets. */
export function hostName(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const host = header.trim().toLowerCase();
  if (host.startsWith("[")) {
    const end = host.indexOf("]");
    return end > 0 ? host.slice(0, end + 1) : undefined;
  }
  const colon = host.indexOf(":");
  return colon === -1 ? host : host.slice(0, colon);
}

type Target = Pick<URL, "pathname" | "searchParams">;

/** A path of plain segments (no dot segment, escape or query): already what URL would make of it. */
const PLAIN_PATH = /^(?:\/[A-Za-z0-9_~-]+)+\/?$/;
const NO_QUERY = new URLSearchParams();

function parseTarget(url: string | undefined): Target | undefined {
  // Only origin-form targets (`/path?query`): an absolute or `//host` target names another server.
  if (!url?.startsWith("/") || url.startsWith("//")) return undefined;
  // Every webhook's path: no URL to parse, twice, per request.
  if (PLAIN_PATH.test(url)) return { pathname: url, searchParams: NO_QUERY };
  return URL.canParse(url, "http://localhost") ? new URL(url, "http://localhost") : undefined;
}

function findRoute(routes: CompiledRoute[], method: string, path: string) {
  for (const { route, pattern, params } of routes) {
    if (route.method !== method) continue;
    const m = pattern.exec(path);
    if (!m) continue;
    const pathParameters: Record<string, string> = {};
    for (const [i, name] of params.entries()) {
      try {
        pathParameters[name] = decodeURIComponent(m[i + 1] ?? "");
      } catch {
        return "bad path" as const;
      }
    }
    return { route, pathParameters };
  }
  return undefined;
}

function contentLength(headers: IncomingHttpHeaders): number | undefined {
  const value = headers["content-length"];
  return value === undefined ? undefined : Number(value);
}

/**
 * The body, up to `limit` bytes: "too large" as soon as it passes the limit (the rest is not
 * kept), "aborted" when the client went away first. Plain events rather than an async
 * iterator: this runs for every request.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | "too large" | "aborted"> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (outcome: "too large" | "aborted") => {
      req.off("data", onData);
      resolve(outcome);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) stop("too large");
      else chunks.push(chunk);
    };
    req.on("data", onData);
    req.once("end", () => resolve(Buffer.concat(chunks, size)));
    req.once("error", () => stop("aborted"));
    req.once("close", () => {
      if (!req.complete) stop("aborted");
    });
  });
}

/**
 * Answers a request refused before its body was read in full. The rest of the body is read and
 * dropped (closing a socket with unread data would reset it, and the client might never see
 * the answer), up to MAX_DISCARD_BYTES; the request timeout bounds a sender that stalls.
 */
function refuse(req: IncomingMessage, res: ServerResponse, result: HttpResponse): void {
  if (!req.complete) {
    let dropped = 0;
    req.on("data", (chunk: Buffer) => {
      dropped += chunk.length;
      if (dropped > MAX_DISCARD_BYTES) req.socket.destroy();
    });
    req.resume();
  }
  send(res, result);
}

function toRequest(
  req: IncomingMessage,
  url: Target,
  route: LocalRoute,
  params: Record<string, string>,
  body: Buffer,
): HttpRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(",") : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams)
    query[name] = query[name] ? `${query[name]},${value}` : value;
  return {
    route: `${route.method} ${route.path}`,
    headers,
    params,
    query,
    body: body.length > 0 ? body : undefined,
    sourceIp: req.socket.remoteAddress,
  };
}

function send(res: ServerResponse, result: HttpResponse) {
  const body = result.body ?? "";
  res.writeHead(result.statusCode ?? 200, {
    "content-type": "application/json",
    ...result.headers,
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
}

/**
 * What Node itself refuses before a request reaches us (malformed, headers too large, too
 * slow) is answered in JSON too, as every other refusal is, and the connection is closed.
 */
function answerClientError(failure: NodeJS.ErrnoException, socket: Socket): void {
  const inFlight = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage;
  if (failure.code === "ECONNRESET" || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const status =
    failure.code === "HPE_HEADER_OVERFLOW"
      ? 431
      : failure.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? 408
        : 400;
  const reason =
    status === 431
      ? "the request headers are too large"
      : status === 408
        ? `the request took longer than ${SERVER_LIMITS.requestTimeoutMs / 1000} s`
        : "the request is not valid HTTP";
  const body = JSON.stringify({ error: reason, details: [] });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}
