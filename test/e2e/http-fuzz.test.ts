/**
 * fast-check against the real HTTP server (the local stack, SQLite engine): arbitrary bodies,
 * headers, encodings, sizes and nesting on the ingest and admin routes. Every case must end in
 * a 2xx, or a 4xx with a JSON reason: never a 5xx, a broken connection or an unhandled
 * rejection (vitest fails the run on one). 10,000 cases a run, split over four properties.
 */
import { Agent, request } from "node:http";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Stack } from "../../server/stack.ts";
import { routeKeys, specOf } from "../../shared/api/route.ts";
import { signStackone } from "../../shared/sources/stackone/signature.ts";
import { generateSecret, sign } from "../../shared/standard-webhooks.ts";
import { startTestStack } from "../support/in-process-stack.ts";
import { SECRET as STACKONE_SECRET } from "../support/local-stack.ts";

const RUNS_PER_PROPERTY = 2_500;
const GENERIC_SECRET = generateSecret();
const TOKEN = "fuzz-admin-token";

let stack: Stack;
let agent: Agent;
const lines: string[] = [];
/** Where the server reports its own failures (a 500). */
const errors = vi.spyOn(console, "error");

beforeAll(async () => {
  stack = await startTestStack({
    genericSecret: GENERIC_SECRET,
    adminToken: TOKEN,
    log: (line) => lines.push(line),
  });
  agent = new Agent({ keepAlive: true, maxSockets: 4 });
});
afterAll(async () => {
  agent?.destroy();
  await stack?.close();
});

type Call = {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** Sent with `transfer-encoding: chunked` instead of a length. */
  chunked?: boolean;
};
type Answer = { status: number; contentType: string; text: string };

function send(call: Call): Promise<Answer> {
  const { port } = new URL(stack.url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        method: call.method,
        path: call.path,
        agent,
        headers: call.headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers["content-type"] ?? ""),
            text: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    // Framed either way, explicitly: Node frames a GET's or DELETE's body by neither by default.
    if (call.body !== undefined) {
      if (call.chunked) req.setHeader("transfer-encoding", "chunked");
      else req.setHeader("content-length", call.body.length);
    }
    req.end(call.body);
  });
}

/** The outcome every case must have. */
async function check(call: Call): Promise<void> {
  const answer = await send(call);
  const where = `${call.method} ${call.path} → ${answer.status} ${answer.text.slice(0, 200)}`;
  expect(answer.status >= 200 && answer.status < 500, where).toBe(true);
  // A reconnect link's own answers are pages for a customer's browser (HTML); what the server
  // refuses before the route (a body, a broken path) is JSON like everywhere else.
  if (call.path.startsWith("/reconnect/") && /^text\/html/.test(answer.contentType ?? "")) {
    expect(answer.status, where).toBeLessThan(500);
    return;
  }
  if (answer.status >= 300) {
    expect(answer.contentType, where).toMatch(/^application\/json/);
    const body = JSON.parse(answer.text) as { error?: unknown };
    expect(typeof body.error, where).toBe("string");
  }
}

// Arbitraries -------------------------------------------------------------------------------

const printable = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  maxLength: 40,
});
const headerName = fc.stringMatching(/^x-[a-z0-9-]{1,20}$/);
const extraHeaders = fc.dictionary(headerName, printable, { maxKeys: 4 });
const contentType = fc.oneof(
  fc.constant("application/json"),
  fc.constant("application/json; charset=utf-8"),
  fc.constant("application/json; charset=utf-16"),
  fc.constant("text/plain"),
  fc.constant("application/x-www-form-urlencoded"),
  fc.constant("multipart/form-data; boundary=x"),
  printable,
);
const contentEncoding = fc.option(fc.constantFrom("gzip", "br", "deflate", "identity", "x-bogus"), {
  nil: undefined,
});

/** JSON text nested `depth` levels around a value. */
const nested = (depth: number, inner: string) => `${"[".repeat(depth)}${inner}${"]".repeat(depth)}`;

/** JSON values, sometimes shaped like a StackOne webhook, sometimes deeply nested. */
const jsonText = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
  {
    weight: 3,
    arbitrary: fc
      .record(
        {
          id: fc.string({ maxLength: 12 }),
          event: fc.constantFrom("request.failed", "account.updated", "account.deleted", "x"),
          event_date: fc.oneof(
            fc.date().map((d) => (Number.isNaN(d.getTime()) ? "bad" : d.toISOString())),
            printable,
          ),
          account_id: fc.string({ maxLength: 12 }),
          provider: fc.constantFrom("hibob", "lever", "greenhouse", "", "x"),
          data: fc.jsonValue({ maxDepth: 3 }),
        },
        { requiredKeys: [] },
      )
      .map((v) => JSON.stringify(v)),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 1, max: 5_000 }), fc.jsonValue({ maxDepth: 1 }))
      .map(
        ([depth, v]) =>
          `{"account_id":"a","provider":"hibob","x":${nested(depth, JSON.stringify(v) ?? "null")}}`,
      ),
  },
  {
    weight: 1,
    arbitrary: fc
      .array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 120 })
      .map((v) => JSON.stringify(v)),
  },
);

/** Bytes of every kind: JSON, text, invalid UTF-8, UTF-16 with a BOM, and large ones. */
const bodyBytes = fc.oneof(
  { weight: 4, arbitrary: jsonText.map((t) => Buffer.from(t)) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 2_048 }).map((b) => Buffer.from(b)) },
  {
    weight: 1,
    arbitrary: jsonText.map((t) =>
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(t, "utf16le")]),
    ),
  },
  {
    weight: 1,
    // Around the limits: ingest's 256 KiB and the admin routes' 64 KiB.
    arbitrary: fc
      .constantFrom(64 * 1024, 64 * 1024 + 1, 256 * 1024, 256 * 1024 + 1, 300 * 1024)
      .map((size) => Buffer.alloc(size, 0x5b)),
  },
);

const signatureHeaders = (source: string, body: Buffer, valid: boolean, garbage: string) => {
  if (source === "stackone") {
    return { "x-stackone-signature": valid ? signStackone(STACKONE_SECRET, body) : garbage };
  }
  const headers = sign(GENERIC_SECRET, `msg_${garbage.length}`, body.toString("utf8"));
  return valid ? headers : { ...headers, "webhook-signature": `v1,${garbage}` };
};

// Admin paths: each route with ids that are fine, odd, percent-encoded or broken.
const adminRoutes = routeKeys("admin").map(specOf);
const pathId = fc.oneof(
  fc.stringMatching(/^[a-z0-9_-]{1,20}$/),
  printable.map((s) => encodeURIComponent(s) || "x"),
  fc.constantFrom("%E0%A4%A", "%", "..", "%2F", "inc_%00"),
);
const adminCall = fc.record({
  route: fc.constantFrom(...adminRoutes),
  id: pathId,
  query: fc.option(
    printable.map((q) => encodeURIComponent(q).replace(/%3D/g, "=").replace(/%26/g, "&")),
    {
      nil: undefined,
    },
  ),
  body: fc.option(bodyBytes, { nil: undefined }),
  contentType,
  origin: fc.option(fc.constantFrom("https://evil.example", "null", "http://127.0.0.1"), {
    nil: undefined,
  }),
  site: fc.option(fc.constantFrom("same-origin", "same-site", "cross-site", "none", "bogus"), {
    nil: undefined,
  }),
  extra: extraHeaders,
  chunked: fc.boolean(),
});

const FAST = { numRuns: RUNS_PER_PROPERTY, endOnFailure: true } as const;

describe("the HTTP server under fast-check", () => {
  it("answers signed webhooks with arbitrary JSON in 2xx or 4xx", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("stackone", "generic"),
        bodyBytes,
        contentType,
        contentEncoding,
        extraHeaders,
        async (source, body, type, encoding, extra) =>
          check({
            method: "POST",
            path: `/webhooks/${source}`,
            headers: {
              ...extra,
              "content-type": type,
              ...(encoding ? { "content-encoding": encoding } : {}),
              ...signatureHeaders(source, body, true, ""),
            },
            body,
          }),
      ),
      FAST,
    );
  }, 300_000);

  it("answers unsigned and badly signed webhooks, any source, size or framing, in 4xx", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constantFrom("stackone", "generic"), pathId),
        fc.option(bodyBytes, { nil: undefined }),
        printable,
        fc.boolean(),
        extraHeaders,
        async (source, body, garbage, chunked, extra) =>
          check({
            method: "POST",
            path: `/webhooks/${source}`,
            headers: {
              ...extra,
              "content-type": "application/json",
              ...signatureHeaders(source, body ?? Buffer.alloc(0), false, garbage),
            },
            body,
            chunked,
          }),
      ),
      FAST,
    );
  }, 300_000);

  it("answers admin calls with the token, whatever their path, body and headers", async () => {
    await fc.assert(
      fc.asyncProperty(adminCall, async (call) =>
        check({
          method: call.route.method,
          path: `${call.route.path.replace(/\{\w+\}/g, call.id)}${call.query ? `?${call.query}` : ""}`,
          headers: {
            ...call.extra,
            authorization: `Bearer ${TOKEN}`,
            "content-type": call.contentType,
            ...(call.origin ? { origin: call.origin } : {}),
            ...(call.site ? { "sec-fetch-site": call.site } : {}),
          },
          body: call.body,
          chunked: call.chunked,
        }),
      ),
      FAST,
    );
  }, 300_000);

  it("refuses admin calls without the right token, and any other method or path", async () => {
    await fc.assert(
      fc.asyncProperty(
        adminCall,
        fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"),
        fc.option(printable, { nil: undefined }),
        fc.option(
          printable.map((p) => `/${encodeURIComponent(p)}`),
          { nil: undefined },
        ),
        async (call, method, token, otherPath) =>
          check({
            method,
            path: otherPath ?? call.route.path.replace(/\{\w+\}/g, call.id),
            headers: {
              ...call.extra,
              ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
              "content-type": call.contentType,
            },
            body: call.body,
            chunked: call.chunked,
          }),
      ),
      FAST,
    );
  }, 300_000);

  it("logged no internal error", () => {
    expect(errors.mock.calls).toEqual([]);
    // The server's own failures are error records on the stack's log now.
    expect(
      lines.filter((line) => /internal error|unexpectedly|^(\w+: )?error: /i.test(line)),
    ).toEqual([]);
  });
});
