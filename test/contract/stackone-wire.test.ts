import { StackOneCore } from "@stackone/stackone-client-ts/core.js";
import { accountsGetAccount } from "@stackone/stackone-client-ts/funcs/accountsGetAccount.js";
import { requestLogsGetLog } from "@stackone/stackone-client-ts/funcs/requestLogsGetLog.js";
import { requestLogsListLogs } from "@stackone/stackone-client-ts/funcs/requestLogsListLogs.js";
import {
  OrderBy,
  OrderDirection,
  QueryParamInclude,
} from "@stackone/stackone-client-ts/sdk/models/operations/index.js";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUILTIN_RULES } from "../../shared/quirks/catalog.ts";
import { logQueries } from "../../shared/sources/stackone/log-queries.ts";
import {
  type LogFilter,
  RequestLogsClient,
} from "../../shared/sources/stackone/request-logs-client.ts";
import { USER_AGENT } from "../../shared/sources/stackone/stackone-http.ts";
import { type Call, type StackoneServer, startStackoneServer } from "../support/stackone-server.ts";

/**
 * Our StackOne client and StackOne's own TypeScript SDK (`@stackone/stackone-client-ts`, the
 * version in package.json) make the same calls against the same recording server: method, path,
 * query string as sent (names, order, encoding) and headers, for every call the poller makes.
 * The SDK is given our User-Agent (its `userAgent` option), the one header meant to differ.
 */

let server: StackoneServer;
let ours: RequestLogsClient;
let sdk: StackOneCore;

beforeAll(async () => {
  server = await startStackoneServer();
  ours = new RequestLogsClient({
    baseUrl: server.url,
    apiKey: server.key,
    retrying: { policy: { attempts: 1 } },
  });
  sdk = new StackOneCore({
    serverURL: server.url,
    security: { username: server.key, password: "" },
    userAgent: USER_AGENT,
    retryConfig: { strategy: "none" },
  });
});
afterAll(async () => {
  await server?.close();
});

/**
 * What must be equal. The SDK also sends an empty `cookie` header (it joins the cookies of its
 * security scheme, of which there are none): a header with no value carries nothing, so empty
 * ones are left out on both sides.
 */
const wire = (c: Call | undefined) => ({
  method: c?.method,
  path: c?.path,
  query: c?.rawQuery,
  headers: Object.fromEntries(Object.entries(c?.headers ?? {}).filter(([, v]) => v !== "")),
});

/** Runs our call, then the SDK's, and gives each one's request as the server logged it. */
async function bothSend(ourCall: () => Promise<unknown>, sdkCall: () => Promise<unknown>) {
  server.reset();
  await ourCall().catch(() => {});
  await sdkCall();
  expect(server.calls).toHaveLength(2);
  return { ours: wire(server.calls[0]), sdk: wire(server.calls[1]) };
}

function sdkList(filter: LogFilter, page: { size: number; next?: string }) {
  return requestLogsListLogs(sdk, {
    filter: {
      startDate: new Date(filter.start_date),
      endDate: new Date(filter.end_date),
      success: filter.success,
      providers: filter.providers?.join(","),
      httpMethods: filter.http_methods?.join(","),
      resources: filter.resources?.join(","),
      statusCodes: filter.status_codes?.join(","),
    },
    next: page.next,
    orderBy: OrderBy.EventDatetime,
    orderDirection: OrderDirection.Asc,
    pageSize: page.size,
  });
}

const window = { start_date: "2026-11-24T09:58:00.000Z", end_date: "2026-11-24T10:00:00.000Z" };

describe("the poller's requests equal the StackOne SDK's", () => {
  it("lists logs with each query the built-in rules make, first page and next", async () => {
    const queries = logQueries(BUILTIN_RULES);
    expect(queries.length).toBeGreaterThanOrEqual(3);
    for (const query of queries) {
      for (const next of [undefined, "eyJvZmZzZXQiOjEwMH0="]) {
        const filter = { ...query.filter, ...window };
        const page = { size: 100, next };
        const sent = await bothSend(
          () => ours.listLogs(filter, page),
          () => sdkList(filter, page),
        );
        expect(sent.ours).toEqual(sent.sdk);
      }
    }
    // Bare names, as the SDK's `style: form, explode: true` sends them.
    server.reset();
    await ours.listLogs({ ...window, success: false }, { size: 100 });
    expect(server.calls[0]?.rawQuery).toBe(
      "end_date=2026-11-24T10%3A00%3A00.000Z&start_date=2026-11-24T09%3A58%3A00.000Z&success=false&order_by=eventDatetime&order_direction=asc&page_size=100",
    );
  });

  it("lists logs the same for any filter, cursor and page size", async () => {
    const names = fc.array(fc.string({ minLength: 1, maxLength: 12 }), {
      minLength: 1,
      maxLength: 3,
    });
    const filters = fc.record(
      {
        success: fc.boolean(),
        providers: names,
        http_methods: fc.array(fc.constantFrom("GET", "POST", "PATCH", "DELETE"), {
          minLength: 1,
          maxLength: 2,
        }),
        resources: names,
        status_codes: fc.array(fc.integer({ min: 100, max: 599 }), { minLength: 1, maxLength: 3 }),
      },
      { requiredKeys: [] },
    );
    const date = fc
      .date({ min: new Date("2020-01-01"), max: new Date("2030-01-01"), noInvalidDate: true })
      .map((d) => d.toISOString());
    await fc.assert(
      fc.asyncProperty(
        filters,
        date,
        date,
        fc.option(fc.string({ minLength: 1 }), { nil: undefined }),
        fc.integer({ min: 1, max: 100 }),
        async (filter, start, end, next, size) => {
          const full = { ...filter, start_date: start, end_date: end };
          const sent = await bothSend(
            () => ours.listLogs(full, { size, next }),
            () => sdkList(full, { size, next }),
          );
          expect(sent.ours).toEqual(sent.sdk);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("reads a log's detail with include=advanced_logs, and an account, for any id", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 40 }), async (id) => {
        const detail = await bothSend(
          () => ours.getLog(id),
          () => requestLogsGetLog(sdk, { id, include: QueryParamInclude.AdvancedLogs }),
        );
        expect(detail.ours).toEqual(detail.sdk);
        expect(detail.ours.query).toBe("include=advanced_logs");
        const account = await bothSend(
          () => ours.getAccount(id),
          () => accountsGetAccount(sdk, { id }),
        );
        expect(account.ours).toEqual(account.sdk);
      }),
      { numRuns: 30 },
    );
  });

  it("authenticates as the SDK does: Basic with the key as user name, and a User-Agent", async () => {
    server.reset();
    await ours.getAccount("acct_1");
    const headers = server.calls[0]?.headers ?? {};
    expect(headers.authorization).toBe(`Basic ${Buffer.from(`${server.key}:`).toString("base64")}`);
    expect(headers.accept).toBe("application/json");
    expect(headers["user-agent"]).toBe(USER_AGENT);
  });
});
