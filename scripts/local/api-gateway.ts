import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";

export type LocalHandler = (
  event: APIGatewayProxyEventV2,
) => Promise<APIGatewayProxyStructuredResultV2>;

/** Larger bodies are refused (ingest's own limit is 256 KiB) and not kept in memory. */
const MAX_READ_BYTES = 1024 * 1024;
/**
 * A refused body is still read to its end, so the sender's keep-alive connection stays usable
 * for its next request; past this much more, the connection is closed instead.
 */
const MAX_DISCARD_BYTES = 64 * 1024 * 1024;

type CompiledRoute = {
  routeKey: string;
  method: string;
  pattern: RegExp;
  params: string[];
  handler: LocalHandler;
};

/**
 * An HTTP server that plays API Gateway HTTP API (payload 2.0) in front of the same handlers
 * that run in Lambda.
 */
export function createApiGateway(
  routes: Record<string, LocalHandler>,
  /** Told of a body refused here, before any handler saw it. */
  onTooLarge?: (routeKey: string, pathParameters: Record<string, string>) => void,
): Server {
  const compiled: CompiledRoute[] = Object.entries(routes).map(([routeKey, handler]) => {
    const [method = "", path = ""] = routeKey.split(" ");
    const params: string[] = [];
    const source = path.replace(/\{(\w+)\}/g, (_m, name: string) => {
      params.push(name);
      return "([^/]+)";
    });
    return { routeKey, method, pattern: new RegExp(`^${source}/?$`), params, handler };
  });

  return createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? "/", "http://localhost");
      const match = findRoute(compiled, req.method ?? "GET", url.pathname);
      if (!match)
        return send(res, {
          statusCode: 404,
          body: JSON.stringify({ error: "no such route", details: [] }),
        });
      const body = await readBody(req);
      if (typeof body === "number") {
        onTooLarge?.(match.route.routeKey, match.pathParameters);
        if (body > MAX_DISCARD_BYTES) res.shouldKeepAlive = false;
        return send(res, {
          statusCode: 413,
          body: JSON.stringify({
            error: "the body is too large",
            details: [{ path: "", message: `more than ${MAX_READ_BYTES} bytes` }],
          }),
        });
      }
      const event = toEvent(req, url, match.route.routeKey, match.pathParameters, body);
      send(res, await match.route.handler(event));
    } catch (error) {
      console.error("local API gateway:", error);
      send(res, {
        statusCode: 500,
        body: JSON.stringify({ error: "internal error", details: [] }),
      });
    }
  });
}

function findRoute(routes: CompiledRoute[], method: string, path: string) {
  for (const route of routes) {
    if (route.method !== method) continue;
    const m = route.pattern.exec(path);
    if (!m) continue;
    const pathParameters: Record<string, string> = {};
    route.params.forEach((name, i) => {
      pathParameters[name] = decodeURIComponent(m[i + 1] ?? "");
    });
    return { route, pathParameters };
  }
  return undefined;
}

/**
 * The body, or how many bytes were read when it was too large. Past MAX_DISCARD_BYTES the rest
 * is not waited for (the connection is then closed after the answer). Plain events rather than
 * an async iterator: this runs for every request.
 */
function readBody(req: IncomingMessage): Promise<Buffer | number> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_READ_BYTES) chunks.push(chunk);
      else if (size > MAX_DISCARD_BYTES) {
        req.off("data", onData);
        req.resume();
        resolve(size);
      }
    };
    req.on("data", onData);
    req.once("end", () => resolve(size > MAX_READ_BYTES ? size : Buffer.concat(chunks, size)));
    req.once("error", reject);
  });
}

function toEvent(
  req: IncomingMessage,
  url: URL,
  routeKey: string,
  pathParameters: Record<string, string>,
  body: Buffer,
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined)
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(",") : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams)
    query[name] = query[name] ? `${query[name]},${value}` : value;
  const now = Date.now();
  return {
    version: "2.0",
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    queryStringParameters: Object.keys(query).length > 0 ? query : undefined,
    pathParameters: Object.keys(pathParameters).length > 0 ? pathParameters : undefined,
    // Base64 always: the handlers verify signatures over the exact bytes.
    body: body.length > 0 ? body.toString("base64") : undefined,
    isBase64Encoded: body.length > 0,
    requestContext: {
      accountId: "local",
      apiId: "local",
      domainName: headers.host ?? "localhost",
      domainPrefix: "local",
      http: {
        method: req.method ?? "GET",
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? "127.0.0.1",
        userAgent: headers["user-agent"] ?? "",
      },
      requestId: randomUUID(),
      routeKey,
      stage: "$default",
      time: new Date(now).toISOString(),
      timeEpoch: now,
    },
  };
}

function send(res: ServerResponse, result: APIGatewayProxyStructuredResultV2) {
  res.writeHead(result.statusCode ?? 200, {
    "content-type": "application/json",
    ...result.headers,
  });
  res.end(result.body ?? "");
}
