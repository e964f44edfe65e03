import fc from "fast-check";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { requestLog } from "../../scripts/demo-scenarios.ts";
import { requestLogPollTask } from "../../server/request-log-poll-task.ts";
import { createClassifier } from "../../shared/classify/classifier.ts";
import type { IntegrationEvent } from "../../shared/events/event.ts";
import { consoleSink, createLogger } from "../../shared/log.ts";
import { BUILTIN_RULES } from "../../shared/quirks/catalog.ts";
import { applyCustomRules } from "../../shared/quirks/custom.ts";
import type { CursorStore } from "../../shared/sources/cursor-store.ts";
import { logQueries } from "../../shared/sources/stackone/log-queries.ts";
import {
  type PollLimits,
  pollRequestLogs,
} from "../../shared/sources/stackone/poll-request-logs.ts";
import { POLL_STATE_NAME } from "../../shared/sources/stackone/poll-state.ts";
import { RequestLogsClient } from "../../shared/sources/stackone/request-logs-client.ts";
import { MemoryCursorStore, MemoryEventQueue } from "../support/memory-ports.ts";
import { type StackoneServer, startStackoneServer } from "../support/stackone-server.ts";

const API = "https://api.stackone.com/unified";
const classifier = createClassifier(BUILTIN_RULES);
const queries = logQueries(BUILTIN_RULES);

let server: StackoneServer;
let cursors: CursorStore;
let queue: MemoryEventQueue;
let waits: number[];
let clock: Date;

beforeAll(async () => {
  server = await startStackoneServer();
});
afterAll(async () => {
  await server?.close();
});
beforeEach(() => {
  server.reset();
  cursors = new MemoryCursorStore();
  queue = new MemoryEventQueue();
  waits = [];
  clock = new Date("2026-11-24T10:00:00.000Z");
});

function poll(limits: Partial<PollLimits> = {}, key = server.key) {
  const api = new RequestLogsClient({
    baseUrl: server.url,
    apiKey: key,
    deadline: limits.deadline,
    retrying: {
      policy: { baseMs: 10 },
      sleep: async (ms) => {
        waits.push(ms);
      },
    },
  });
  return pollRequestLogs({
    api,
    cursors,
    queue,
    classifier,
    queries,
    limits,
    clock: { now: () => clock },
  });
}

const minutesAgo = (minutes: number) => new Date(clock.getTime() - minutes * 60_000).toISOString();

/** A failed Lever request `minutes` before the clock. */
const leverFailure = (n: number, minutes: number, status = 401, account = "umbrella_lever") =>
  requestLog(
    account,
    "lever",
    {
      status,
      url: `${API}/ats/candidates`,
      resource: "candidates",
      message: "Unauthorized",
      providerRaw: { message: "Invalid API key" },
    },
    n,
    minutesAgo(minutes),
  );

const note = (n: number, body: unknown, minutes = 1) =>
  requestLog(
    "hooli_bullhorn",
    "bullhorn",
    { status: 201, method: "POST", url: `${API}/ats/notes`, resource: "notes", requestBody: body },
    n,
    minutesAgo(minutes),
  );

describe("reading the request logs", () => {
  it("walks every page through next, oldest first, each log once with its request id", async () => {
    const logs = Array.from({ length: 250 }, (_, i) => leverFailure(i, 1 + (i % 50) / 60, 500));
    server.add(...logs);
    const report = await poll();
    expect(report).toMatchObject({ logs: 250, enqueued: 250 });
    const failedPages = server.listCalls().filter((c) => c.query.get("success") === "false");
    expect(failedPages.map((c) => c.query.get("next"))).toEqual([null, "100", "200"]);
    expect(report.stopped).toBeUndefined();
    expect(new Set(queue.ids())).toEqual(new Set(logs.map((l) => l.request_id)));
    const [first] = server.listCalls();
    expect(Object.fromEntries(first?.query ?? [])).toMatchObject({
      success: "false",
      start_date: minutesAgo(2),
      end_date: clock.toISOString(),
      order_by: "eventDatetime",
      order_direction: "asc",
      page_size: "100",
    });
    expect(server.calls.every((c) => c.authorized)).toBe(true);
  });

  it("also asks for the successful requests the silent-problem rules look at", async () => {
    await poll();
    const filters = server.listCalls().map((c) => c.rawQuery.replace(/&next=.*|&order_by=.*/, ""));
    const window = `start_date=${encodeURIComponent(minutesAgo(2))}`;
    const end = `end_date=${encodeURIComponent(clock.toISOString())}`;
    expect(filters).toEqual([
      `${end}&${window}&success=false`,
      `${end}&providers=hibob&resources=employees&${window}&success=true`,
      `${end}&http_methods=POST&providers=bullhorn&${window}&success=true`,
    ]);
  });

  it("overlaps the last window, so a late log is read, and a repeat keeps its id", async () => {
    const [worded, plain] = [leverFailure(1, 1), leverFailure(2, 0.9)];
    server.add(worded, plain);
    await poll();
    clock = new Date(clock.getTime() + 60_000);
    // Indexed late: it happened 90 s ago, before the last poll.
    const late = leverFailure(3, 1.5);
    server.add(late);
    const report = await poll();
    expect(report.stopped).toBeUndefined();
    expect(server.listCalls().at(-3)?.query.get("start_date")).toBe(minutesAgo(3));
    // Read again in the overlap, the two handled are skipped: no detail, nothing enqueued.
    expect(queue.ids()).toEqual([worded.request_id, plain.request_id, late.request_id]);
    expect(report).toMatchObject({ logs: 3, fresh: 1, details: 1 });
  });

  it("overlaps by the configured margin", async () => {
    await poll({ overlapMs: 300_000 });
    expect(server.listCalls()[0]?.query.get("start_date")).toBe(minutesAgo(5));
  });
});

describe("as StackOne's own client reads it", () => {
  it("creates nothing from logs 3 days old: the window is read with the SDK's bare filters", async () => {
    const old = [1, 2, 3].map((n) => leverFailure(n, 3 * 24 * 60 + n, 401));
    server.add(...old, note(9, { content: "x" }, 3 * 24 * 60));
    const report = await poll();
    expect(report).toMatchObject({ logs: 0, enqueued: 0, details: 0 });
    expect(queue.events()).toEqual([]);
  });

  it("finds the silent Bullhorn note through include=advanced_logs, and logs each request", async () => {
    const bad = note(1, { content: "Called", author_id: "12" });
    server.add(bad);
    await poll();
    expect(server.detailCalls().map((c) => c.rawQuery)).toEqual(["include=advanced_logs"]);
    expect(queue.events().map((e) => classifier.classify(e).rule_id)).toEqual([
      "bullhorn.note_missing_candidate_id",
    ]);
    const end = encodeURIComponent(clock.toISOString());
    const start = encodeURIComponent(minutesAgo(2));
    const page = "order_by=eventDatetime&order_direction=asc&page_size=100";
    expect(server.transcript()).toBe(
      [
        `GET /requests/logs?end_date=${end}&start_date=${start}&success=false&${page}`,
        `GET /requests/logs?end_date=${end}&providers=hibob&resources=employees&start_date=${start}&success=true&${page}`,
        `GET /requests/logs?end_date=${end}&http_methods=POST&providers=bullhorn&start_date=${start}&success=true&${page}`,
        `GET /requests/logs/${bad.request_id}?include=advanced_logs`,
        "GET /accounts/hooli_bullhorn",
      ].join("\n"),
    );
  });
});

describe("the local poller's console line", () => {
  it("appears only when a poll brought something new", async () => {
    const lines: string[] = [];
    const task = requestLogPollTask({
      apiKey: server.key,
      apiUrl: server.url,
      intervalMs: 60_000,
      overlapSeconds: 3600,
      rules: BUILTIN_RULES,
      queue,
      cursors,
      log: createLogger(consoleSink((line) => lines.push(line))),
    });
    // The task polls at the real time.
    clock = new Date();
    server.add(leverFailure(1, 0.5), leverFailure(2, 0.4));
    await task.run();
    await task.run();
    await task.run();
    expect(lines).toEqual([
      "poller: read 2 new request log(s) in 3 page(s), 1 detail(s): 2 event(s) in, 0 no problem",
    ]);
  });
});

describe("politeness", () => {
  it("waits as long as a 429's Retry-After asks, then carries on", async () => {
    server.add(leverFailure(1, 1));
    server.fail("list", { status: 429, headers: { "retry-after": "7" } });
    const report = await poll();
    expect(waits).toEqual([7_000]);
    expect(report).toMatchObject({ enqueued: 1 });
    expect(report.stopped).toBeUndefined();
  });

  it("stops without losing its place when the wait would outlast the run", async () => {
    server.add(leverFailure(1, 1));
    server.fail("list", { status: 429, headers: { "retry-after": "120" } });
    const report = await poll({ deadline: Date.now() + 30_000 });
    expect(report).toMatchObject({ stopped: "error", enqueued: 0 });
    expect(report.error).toMatch(/rate limiting; it asks to wait 120 s/);
    clock = new Date(clock.getTime() + 60_000);
    expect(await poll()).toMatchObject({ enqueued: 1 });
  });

  it("backs off on 5xx and succeeds once StackOne recovers", async () => {
    server.add(leverFailure(1, 1));
    server.fail("list", { status: 500 }, { status: 503 });
    const report = await poll();
    expect(waits).toHaveLength(2);
    expect(waits[1]).toBeGreaterThan(waits[0] ?? 0);
    expect(report).toMatchObject({ enqueued: 1 });
  });

  it("gives up on a StackOne that keeps failing, and reads the same window next time", async () => {
    server.add(leverFailure(1, 1));
    server.fail("list", { status: 500 }, { status: 500 }, { status: 500 });
    const report = await poll();
    expect(report).toMatchObject({ stopped: "error", enqueued: 0 });
    expect(report.error).toMatch(/StackOne answered 500/);
    clock = new Date(clock.getTime() + 60_000);
    expect(await poll()).toMatchObject({ enqueued: 1 });
    expect(queue.ids()).toHaveLength(1);
  });

  it("bounds the pages of one run, and the next run carries on from where it stopped", async () => {
    const logs = Array.from({ length: 30 }, (_, i) => leverFailure(i, 30 - i, 500));
    server.add(...logs);
    clock = new Date(clock.getTime() + 1);
    const first = await poll({ pageSize: 10, maxPages: 2, overlapMs: 3600_000 });
    expect(first).toMatchObject({ stopped: "pages", enqueued: 20 });
    // Its two pages, and one each for the queries of the silent-problem rules.
    const second = await poll({ pageSize: 10, maxPages: 4, overlapMs: 0 });
    expect(second.stopped).toBeUndefined();
    // Nothing skipped; the log at the cursor may be read twice (same id).
    expect(new Set(queue.ids())).toEqual(new Set(logs.map((l) => l.request_id)));
  });

  it("moves no cursor inside a window that StackOne did not answer oldest first", async () => {
    const logs = Array.from({ length: 30 }, (_, i) => leverFailure(i, 30 - i, 500));
    server.add(...logs);
    // Newest first on every page, whatever was asked.
    server.fail(
      "list",
      { status: 200, body: { data: [logs[29], logs[28]], next: "2" } },
      { status: 200, body: { data: [logs[27], logs[26]], next: "4" } },
    );
    const first = await poll({ maxPages: 2, overlapMs: 3600_000 });
    expect(first).toMatchObject({ stopped: "pages", enqueued: 4 });
    // Had the cursor moved to the oldest log read, the next run would skip 26 logs.
    clock = new Date(clock.getTime() + 60_000);
    const second = await poll({ pageSize: 100, maxPages: 10, overlapMs: 0 });
    expect(second.stopped).toBeUndefined();
    expect(new Set(queue.ids())).toEqual(new Set(logs.map((l) => l.request_id)));
  });

  it("never moves the cursor past what the queue did not take", async () => {
    server.add(leverFailure(1, 1));
    queue.failures = 1;
    const report = await poll();
    expect(report).toMatchObject({ stopped: "error", enqueued: 0 });
    expect(JSON.parse((await cursors.get(POLL_STATE_NAME)) ?? "{}").queries.failed).toEqual({
      cursor: minutesAgo(2),
      read_at: clock.toISOString(),
    });
    clock = new Date(clock.getTime() + 60_000);
    expect(await poll()).toMatchObject({ enqueued: 1 });
  });

  it("starts afresh from a stored state it cannot read", async () => {
    await cursors.set(POLL_STATE_NAME, "{not json");
    server.add(leverFailure(1, 1));
    expect(await poll()).toMatchObject({ enqueued: 1 });
  });
});

describe("its own 401", () => {
  it("reports a refused key once per run, and the recovery once the key works", async () => {
    const refused = await poll({}, "wrong-key");
    expect(refused).toMatchObject({ stopped: "unauthorized" });
    // What the run reports (and the logs print) is StackOne's status, never its body.
    expect(refused.error).toBe("StackOne answered 401");
    expect(queue.events().map((e) => [e.kind, e.provider, e.http?.status])).toEqual([
      ["error", "stackone", 401],
    ]);
    clock = new Date(clock.getTime() + 60_000);
    await poll();
    clock = new Date(clock.getTime() + 60_000);
    await poll();
    expect(queue.events().map((e) => e.kind)).toEqual(["error", "recovery"]);
  });
});

describe("StackOne's error bodies", () => {
  it("are reported as their status and error code only", async () => {
    const body = { code: "invalid_api_key", message: "key sk_live_123 was revoked by ops@acme" };
    server.fail("list", { status: 403, body });
    const refused = await poll();
    expect(refused.error).toBe("StackOne answered 403 (invalid_api_key)");
    server.reset();
    server.fail("list", { status: 400, body: { ...body, code: "bad\u001b[31m code" } });
    const bad = await poll();
    expect(bad.error).toBe("StackoneBadAnswer: StackOne answered 400");
  });
});

describe("details", () => {
  it("finds a silent Bullhorn note through the detail call, and only asks where a rule needs it", async () => {
    const bad = note(1, { content: "Called", author_id: "12" });
    const good = note(2, { content: "Called", candidate_id: "48213", author_id: "12" });
    // On candidate "undefined": the path alone tells, no detail needed.
    const onPath = requestLog(
      "hooli_bullhorn",
      "bullhorn",
      {
        status: 201,
        method: "POST",
        url: `${API}/ats/candidates/undefined/notes`,
        resource: "notes",
        requestBody: { content: "Called", author_id: "12" },
      },
      3,
      minutesAgo(0.5),
    );
    server.add(bad, good, onPath);
    const report = await poll();
    expect(server.detailCalls().map((c) => c.path)).toEqual([
      `/requests/logs/${bad.request_id}`,
      `/requests/logs/${good.request_id}`,
    ]);
    // The good note is no problem: it does not even travel.
    expect(report).toMatchObject({ enqueued: 2, unproblematic: 1, details: 2 });
    const [event] = queue.events();
    expect(event?.request_body).toEqual({ content: "Called", author_id: "12" });
    expect(classifier.classify(event as IntegrationEvent).rule_id).toBe(
      "bullhorn.note_missing_candidate_id",
    );
  });

  it("samples one Hibob employee read per account in a run: its response is the account's", async () => {
    const read = (n: number, account: string) =>
      requestLog(
        account,
        "hibob",
        {
          status: 200,
          url: `${API}/hris/employees`,
          resource: "employees",
          responseBody: { data: [{ id: "1", employment_status: null }] },
        },
        n,
        minutesAgo(1),
      );
    server.add(read(1, "acme_hibob"), read(2, "acme_hibob"), read(3, "other_hibob"));
    const report = await poll();
    expect(report.details).toBe(2);
    expect(
      queue
        .events()
        .map((e) => e.account.id)
        .sort(),
    ).toEqual(["acme_hibob", "other_hibob"]);
  });

  it("fetches the provider's words once per incident per run, not once per failed log", async () => {
    server.add(leverFailure(1, 1.5), leverFailure(2, 1.2), leverFailure(3, 1, 401, "other_lever"));
    const report = await poll();
    expect(report).toMatchObject({ enqueued: 3, details: 2 });
    const worded = queue.events().filter((e) => e.error?.provider_errors?.length);
    expect(worded.map((e) => e.account.id).sort()).toEqual(["other_lever", "umbrella_lever"]);
    expect(worded[0]?.error?.provider_errors?.[0]?.raw).toBe('{"message":"Invalid API key"}');
  });

  it("reads the detail of every log whose rule needs the provider's message", async () => {
    const greenhouse = (n: number) =>
      requestLog(
        "globex_greenhouse",
        "greenhouse",
        {
          status: 404,
          url: `${API}/ats/candidates/123`,
          resource: "candidates",
          message: "Not found",
          providerRaw: "Invalid On-Behalf-Of user id",
        },
        n,
        minutesAgo(1),
      );
    server.add(greenhouse(1), greenhouse(2));
    expect(await poll()).toMatchObject({ details: 2, enqueued: 2 });
    expect(queue.events().map((e) => classifier.classify(e).rule_id)).toEqual([
      "greenhouse.404_on_behalf_of",
      "greenhouse.404_on_behalf_of",
    ]);
  });

  it("stops at the detail budget where a log needs one, and carries on next run", async () => {
    const notes = [1, 2, 3, 4].map((n) => note(n, { content: "x" }, 2 - n / 5));
    server.add(...notes);
    const first = await poll({ maxDetails: 2 });
    expect(first).toMatchObject({ stopped: "details", enqueued: 2 });
    clock = new Date(clock.getTime() + 60_000);
    const second = await poll({ maxDetails: 2 });
    expect(second.stopped).toBeUndefined();
    expect(new Set(queue.ids())).toEqual(new Set(notes.map((n) => n.request_id)));
  });

  it("uses the summary when StackOne no longer has the detail", async () => {
    const gone = note(1, { content: "x" });
    server.add(gone);
    server.fail("detail", { status: 404, body: { message: "Log not found" } });
    const report = await poll();
    expect(report.stopped).toBeUndefined();
    // Without the body no rule can tell: it is no problem as far as anyone knows.
    expect(report).toMatchObject({ details: 1, unproblematic: 1, enqueued: 0 });
  });
});

describe("customer names", () => {
  it("names the customer from StackOne's linked account, once per account across runs", async () => {
    server.account("umbrella_lever", {
      origin_owner_id: "org_42",
      origin_owner_name: "Umbrella Health",
      origin_username: "jane@umbrella.example",
      provider: "lever",
    });
    server.add(
      leverFailure(1, 1),
      leverFailure(2, 0.5),
      leverFailure(3, 0.7, 401, "unknown_lever"),
    );
    const names = new Map();
    const api = new RequestLogsClient({ baseUrl: server.url, apiKey: server.key });
    const run = () =>
      pollRequestLogs({
        api,
        cursors,
        queue,
        classifier,
        queries,
        names,
        clock: { now: () => clock },
      });
    await run();
    clock = new Date(clock.getTime() + 60_000);
    await run();
    expect(
      queue
        .events()
        .map((e) => [e.account.id, e.account.name])
        .slice(0, 3),
    ).toEqual([
      ["umbrella_lever", "Umbrella Health"],
      ["unknown_lever", undefined],
      ["umbrella_lever", "Umbrella Health"],
    ]);
    expect(queue.events()[0]?.account).toEqual({
      id: "umbrella_lever",
      name: "Umbrella Health",
      owner_id: "org_42",
      owner_name: "jane@umbrella.example",
    });
    expect(server.accountCalls().map((c) => c.path)).toEqual([
      "/accounts/umbrella_lever",
      "/accounts/unknown_lever",
    ]);
  });

  it("enqueues without a name when the key may not read accounts, and opens no incident for it", async () => {
    server.add(leverFailure(1, 1));
    server.answer("GET /accounts/umbrella_lever", { status: 403 });
    const report = await poll();
    expect(report).toMatchObject({ enqueued: 1 });
    expect(report.stopped).toBeUndefined();
    expect(server.accountCalls()).toHaveLength(1);
    expect(queue.events().map((e) => [e.provider, e.account.name])).toEqual([["lever", undefined]]);
  });
});

describe("queries from the rules", () => {
  it("covers a custom rule that looks at successful requests", () => {
    const rules = applyCustomRules(
      BUILTIN_RULES,
      [
        {
          id: "workday.worker_without_email",
          provider: "workday",
          match: {
            status_class: "2xx",
            method: ["GET"],
            path: "employees",
            fields: [{ in: "response", path: "data.work_email", is: "empty" }],
          },
          category: "silent_data_issue",
          severity: "warning",
          must_act: "us",
          title: "Workday workers without a work email",
          what_happened: "w",
          remediation: ["r"],
          retry: { retryable: false, backoff: "none" },
          source: { page: "quirkwatch", section: "Custom rules" },
          alert: BUILTIN_RULES[0]?.alert,
        },
      ],
      "custom.json",
    );
    expect(logQueries(rules).map((q) => q.filter)).toContainEqual({
      success: true,
      providers: ["workday"],
      http_methods: ["GET"],
      resources: ["employees"],
    });
  });
});

describe("untrusted answers", () => {
  it("never throws and never enqueues what is not an event, whatever StackOne answers", async () => {
    const anyLog = fc.dictionary(
      fc.constantFrom(
        "request_id",
        "account_id",
        "provider",
        "status",
        "success",
        "event_datetime",
        "http_method",
        "path",
        "url",
        "request",
        "response",
      ),
      fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant("2026-11-24T09:59:00.000Z")),
    );
    const anyBody = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.record({ data: fc.array(anyLog, { maxLength: 5 }), next: fc.constant(null) }),
    );
    await fc.assert(
      fc.asyncProperty(anyBody, async (body) => {
        server.reset();
        queue = new MemoryEventQueue();
        server.fail("list", { status: 200, body });
        const report = await poll({ maxPages: 1 });
        expect(["pages", "error", undefined]).toContain(report.stopped);
        for (const event of queue.events()) expect(event.id).toBeTruthy();
      }),
      { numRuns: 60 },
    );
  });
});
