import { describe, expect, it } from "vitest";
import { MemoryBus } from "../../server/dynamodb/memory-bus.ts";
import { processSqsBatch } from "../../shared/adapters/aws/sqs-batch.ts";
import { createClassifier } from "../../shared/classify/classifier.ts";
import { fixedClock } from "../../shared/clock.ts";
import type { IntegrationEventInput } from "../../shared/events/event.ts";
import type { Notice } from "../../shared/incidents/notice.ts";
import { sweep } from "../../shared/incidents/sweep.ts";
import { BUILTIN_RULES } from "../../shared/quirks/catalog.ts";
import { leverError } from "../support/factories.ts";
import { MemoryIncidentStore, MemoryMuteStore } from "../support/memory-ports.ts";
import { sqsRecord } from "../support/sqs-record.ts";

const classifier = createClassifier(BUILTIN_RULES);
/** No mutes here: test/unit/mutes.test.ts covers them. */
const mutes = new MemoryMuteStore();
/** An empty store, in memory: the DynamoDB adapter is held to the same by test/contract. */
const freshStore = () => new MemoryIncidentStore();

const record = sqsRecord;

/** A bus that fails its first `failures` publishes, like a crash between write and publish. */
class FlakyBus extends MemoryBus {
  constructor(private failures = 0) {
    super();
  }
  override async publish(notices: Notice[]) {
    if (this.failures-- > 0) throw new Error("SNS unavailable");
    await super.publish(notices);
  }
}

const at = (iso: string) => fixedClock(new Date(iso));

/** A store whose every write is sent twice, as an SDK retries a request whose answer it lost. */
function twice(store: MemoryIncidentStore): MemoryIncidentStore {
  const retried = Object.create(store) as MemoryIncidentStore;
  retried.claimEvent = async (...args) => {
    await store.claimEvent(...args);
    return store.claimEvent(...args);
  };
  retried.reclaimEvent = async (...args) => {
    await store.reclaimEvent(...args);
    return store.reclaimEvent(...args);
  };
  retried.saveIncident = async (...args) => {
    await store.saveIncident(...args);
    return store.saveIncident(...args);
  };
  return retried;
}

describe("processor", () => {
  const store = freshStore();

  it("counts a redelivered event once and fires once", async () => {
    const bus = new MemoryBus();
    const deps = { store, mutes, bus, classifier, clock: at("2026-11-24T10:00:05Z") };
    const e = leverError("e1", 401);
    const first = await processSqsBatch([record(e), record(e)], deps);
    const again = await processSqsBatch([record(e)], deps);
    expect(first.batchItemFailures).toEqual([]);
    expect(again.batchItemFailures).toEqual([]);
    const [incident] = await store.listIncidents({ account_id: "acct_1", limit: 10 });
    expect(incident?.count).toBe(1);
    expect(incident?.status).toBe("firing");
    expect(bus.published.map((n) => n.kind)).toEqual(["firing"]);
    expect(bus.published[0]?.incident.rule_id).toBe("lever.401");
  });

  it("two batches opening one incident at once count both and fire it once", async () => {
    const s = freshStore();
    const bus = new MemoryBus();
    const deps = { store: s, mutes, bus, classifier, clock: at("2026-11-24T10:00:05Z") };
    // Both read "no incident" and decide a firing notice; one create wins, the other counts
    // again into the winner's incident, whose notice is not its own to publish.
    const [a, b] = await Promise.all([
      processSqsBatch([record(leverError("race-a", 401))], deps),
      processSqsBatch([record(leverError("race-b", 401))], deps),
    ]);
    expect([...a.batchItemFailures, ...b.batchItemFailures]).toEqual([]);
    const [incident] = await s.listIncidents({ limit: 10 });
    expect(incident?.count).toBe(2);
    expect(bus.published.map((n) => n.kind)).toEqual(["firing"]);
  });

  it("keeps a rate limit pending until sustained, counting every event", async () => {
    const bus = new MemoryBus();
    const deps = { store, mutes, bus, classifier, clock: at("2026-11-24T10:00:05Z") };
    const events = Array.from({ length: 9 }, (_, i) => leverError(`rl${i}`, 429));
    await processSqsBatch(
      events.map((e) => record(e)),
      deps,
    );
    let [incident] = await store.listIncidents({ category: "rate_limited", limit: 10 });
    expect(incident).toMatchObject({ status: "pending", count: 9 });
    expect(bus.published).toEqual([]);
    await processSqsBatch([record(leverError("rl9", 429))], deps);
    [incident] = await store.listIncidents({
      category: "rate_limited",
      scope: "account",
      limit: 10,
    });
    expect(incident).toMatchObject({ status: "firing", count: 10 });
    // A provider-side notice waits a minute for other accounts (a provider incident), then goes.
    expect(bus.published).toEqual([]);
    await sweep({ store, mutes, bus, clock: at("2026-11-24T10:01:06Z") });
    expect(bus.published.map((n) => n.kind)).toEqual(["firing"]);
  });

  it("still publishes after a crash between the write and the publish, counting nothing twice", async () => {
    const crashStore = freshStore();
    const bus = new FlakyBus(1);
    const deps = { store: crashStore, mutes, bus, classifier, clock: at("2026-11-24T10:00:05Z") };
    const e = leverError("crash1", 403);
    const r = record(e);
    const first = await processSqsBatch([r], deps);
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: r.messageId }]);
    expect(bus.published).toEqual([]);
    const retry = await processSqsBatch(
      [{ ...r, attributes: { ...r.attributes, ApproximateReceiveCount: "2" } }],
      deps,
    );
    expect(retry.batchItemFailures).toEqual([]);
    const [incident] = await crashStore.listIncidents({ limit: 10 });
    expect(incident?.count).toBe(1);
    expect(bus.published.map((n) => n.kind)).toEqual(["firing"]);
  });

  it("counts events whose first attempt recorded them but died before the incident write", async () => {
    const crashStore = freshStore();
    const bus = new MemoryBus();
    const e = leverError("lost1", 401);
    const r = record(e);
    // The first attempt claimed the event, then died.
    await crashStore.claimEvent(
      { source: "stackone", id: "lost1" },
      { token: "dead", message_id: r.messageId },
    );
    const retry = await processSqsBatch(
      [{ ...r, attributes: { ...r.attributes, ApproximateReceiveCount: "2" } }],
      {
        store: crashStore,
        mutes,
        bus,
        classifier,
        clock: at("2026-11-24T10:00:05Z"),
      },
    );
    expect(retry.batchItemFailures).toEqual([]);
    const [incident] = await crashStore.listIncidents({ limit: 10 });
    expect(incident?.count).toBe(1);
    expect(bus.published.map((n) => n.kind)).toEqual(["firing"]);
  });

  it("reminds after the repeat interval with the events since, and resolves on recovery", async () => {
    const s = freshStore();
    const bus = new MemoryBus();
    await processSqsBatch([record(leverError("r1", 401))], {
      store: s,
      mutes,
      bus,
      classifier,
      clock: at("2026-11-24T10:00:00Z"),
    });
    await processSqsBatch([record(leverError("r2", 401)), record(leverError("r3", 401))], {
      store: s,
      mutes,
      bus,
      classifier,
      clock: at("2026-11-24T10:30:00Z"),
    });
    await processSqsBatch([record(leverError("r4", 401))], {
      store: s,
      mutes,
      bus,
      classifier,
      clock: at("2026-11-24T14:30:00Z"),
    });
    expect(bus.published.map((n) => [n.kind, n.since_last_notice])).toEqual([
      ["firing", undefined],
      ["reminder", 3],
    ]);
    const recovery = leverError("rec1", 200, {
      kind: "recovery",
      type: "account.updated",
      http: {},
      occurred_at: "2026-11-24T15:00:00.000Z",
    });
    await processSqsBatch([record(recovery)], {
      store: s,
      mutes,
      bus,
      classifier,
      clock: at("2026-11-24T15:00:00Z"),
    });
    expect(bus.published.map((n) => n.kind)).toEqual(["firing", "reminder", "resolved"]);
    expect(bus.published[2]?.resolution).toBe("recovery");
    const [incident] = await s.listIncidents({ limit: 10 });
    expect(incident).toMatchObject({ status: "resolved", count: 4 });
  });

  it("the sweeper resolves a quiet firing incident once, and a pending one silently", async () => {
    const s = freshStore();
    const bus = new MemoryBus();
    const deps = { store: s, mutes, bus, classifier, clock: at("2026-11-24T10:00:00Z") };
    await processSqsBatch(
      [record(leverError("q1", 500)), record(leverError("q2", 500)), record(leverError("q3", 500))],
      deps,
    );
    await processSqsBatch([record(leverError("p1", 429))], deps);
    // After the minute a provider-side notice waits for other accounts.
    await sweep({ store: s, mutes, bus, clock: at("2026-11-24T10:01:00Z") });
    expect(bus.published.map((n) => n.kind)).toEqual(["firing"]);
    expect(await sweep({ store: s, mutes, bus, clock: at("2026-11-24T10:20:00Z") })).toEqual({
      resolved: 0,
      released: 0,
      published: 0,
    });
    // The two, and (silently) the provider incident their one account started: not enough accounts.
    expect(await sweep({ store: s, mutes, bus, clock: at("2026-11-24T10:31:00Z") })).toEqual({
      resolved: 3,
      released: 0,
      published: 1,
    });
    expect(await sweep({ store: s, mutes, bus, clock: at("2026-11-24T10:36:00Z") })).toEqual({
      resolved: 0,
      released: 0,
      published: 0,
    });
    expect(bus.published.map((n) => [n.kind, n.resolution])).toEqual([
      ["firing", undefined],
      ["resolved", "quiet"],
    ]);
    const open = await s.listIncidents({ status: "firing", limit: 10 });
    expect(open).toEqual([]);
  });

  it("the sweeper leaves an incident open when an event arrives after it read the due list", async () => {
    const s = freshStore();
    const bus = new MemoryBus();
    const first = { store: s, mutes, bus, classifier, clock: at("2026-11-24T10:00:00Z") };
    await processSqsBatch([record(leverError("race1", 401))], first);
    const later = at("2026-11-25T10:00:01Z");
    // The due list is read; then, before the sweeper resolves, a new event of it is counted.
    const racing = Object.create(s) as typeof s;
    racing.dueIncidents = async (nowEpoch, limit) => {
      const due = await s.dueIncidents(nowEpoch, limit);
      const race2 = leverError("race2", 401, { occurred_at: "2026-11-25T10:00:00.000Z" });
      await processSqsBatch([record(race2)], { ...first, clock: later });
      return due;
    };
    expect(await sweep({ store: racing, mutes, bus, clock: later })).toEqual({
      resolved: 0,
      released: 0,
      published: 0,
    });
    const [incident] = await s.listIncidents({ limit: 10 });
    expect(incident).toMatchObject({ status: "firing", count: 2 });
    // The late event is a reminder (a day has passed), never a resolution.
    expect(bus.published.map((n) => n.kind)).toEqual(["firing", "reminder"]);
  });

  it("counts exactly when every write is sent twice, as when the SDK retries a lost answer", async () => {
    // Every write lands, its answer is lost, and the retry's answer is what we see.
    const retrying = twice(freshStore());
    const bus = new MemoryBus();
    const deps = { store: retrying, mutes, bus, classifier, clock: at("2026-11-24T10:00:05Z") };
    const events = Array.from({ length: 30 }, (_, i) => leverError(`retry-${i}`, 401));
    const first = await processSqsBatch(
      events.slice(0, 20).map((e) => record(e)),
      deps,
    );
    const second = await processSqsBatch(
      events.slice(10).map((e) => record(e)),
      deps,
    );
    expect([...first.batchItemFailures, ...second.batchItemFailures]).toEqual([]);
    const [incident] = await retrying.listIncidents({ limit: 10 });
    expect(incident?.count).toBe(30);
    expect(bus.published.map((n) => n.kind)).toEqual(["firing"]);
  });

  it("resolves on a recovery event whose first attempt failed, when it is retried", async () => {
    const s = freshStore();
    const bus = new MemoryBus();
    await processSqsBatch([record(leverError("f1", 401))], {
      store: s,
      mutes,
      bus,
      classifier,
      clock: at("2026-11-24T10:00:00Z"),
    });
    let failures = 1;
    const flaky = Object.create(s) as typeof s;
    flaky.openIncidentsForAccount = async (id) => {
      if (failures-- > 0) throw new Error("DynamoDB unavailable");
      return s.openIncidentsForAccount(id);
    };
    const recovery = record(
      leverError("rec-f1", 200, {
        kind: "recovery",
        type: "account.updated",
        http: {},
        occurred_at: "2026-11-24T11:00:00.000Z",
      }),
    );
    const deps = { store: flaky, mutes, bus, classifier, clock: at("2026-11-24T11:00:00Z") };
    expect((await processSqsBatch([recovery], deps)).batchItemFailures).toHaveLength(1);
    const retry = {
      ...recovery,
      attributes: { ...recovery.attributes, ApproximateReceiveCount: "2" },
    };
    expect((await processSqsBatch([retry], deps)).batchItemFailures).toEqual([]);
    expect(bus.published.map((n) => n.kind)).toEqual(["firing", "resolved"]);
  });
});

describe("only problems become incidents", () => {
  const event = (id: string, extra: Partial<IntegrationEventInput>): IntegrationEventInput => ({
    ...leverError(id, 200),
    kind: "info",
    error: undefined,
    ...extra,
  });

  it("opens none for a success no rule flags, account.created or expected behaviour", async () => {
    const s = freshStore();
    const bus = new MemoryBus();
    const deps = { store: s, mutes, bus, classifier, clock: at("2026-11-24T10:00:00Z") };
    const quiet = [
      // A successful Bullhorn note that is well formed.
      event("ok-note", {
        provider: "bullhorn",
        http: { status: 201, method: "POST", path: "/unified/ats/notes" },
        request_body: { candidate_id: "48213", author_id: "12" },
      }),
      event("created", { type: "account.created", http: undefined }),
      // SmartRecruiters' interview filter: expected behaviour.
      event("interviews", {
        provider: "smartrecruiters",
        http: { status: 200, method: "GET", path: "/unified/ats/interviews" },
      }),
    ];
    const result = await processSqsBatch(
      quiet.map((e) => record(e)),
      deps,
    );
    expect(result.batchItemFailures).toEqual([]);
    expect(await s.listIncidents({ limit: 10 })).toEqual([]);
    expect(bus.published).toEqual([]);
  });

  it("counts a bad Bullhorn candidate id into one incident, in the body or the path", async () => {
    const s = freshStore();
    const deps = {
      store: s,
      mutes,
      bus: new MemoryBus(),
      classifier,
      clock: at("2026-11-24T10:00:00Z"),
    };
    const note = (id: string, path: string, body: IntegrationEventInput["request_body"]) =>
      event(id, {
        provider: "bullhorn",
        http: { status: 201, method: "POST", path },
        request_body: body,
      });
    await processSqsBatch(
      [
        record(note("body", "/unified/ats/notes", { candidate_id: "abc", author_id: "1" })),
        record(note("path", "/unified/ats/candidates/undefined/notes", { author_id: "1" })),
        record(note("missing", "/unified/ats/notes", { author_id: "1" })),
      ],
      deps,
    );
    const incidents = await s.listIncidents({ limit: 10 });
    expect(incidents.map((i) => [i.provider, i.category, i.count])).toEqual([
      ["bullhorn", "silent_data_issue", 3],
    ]);
  });

  it("gives Hibob's and Teamtailor's 501 the same category", async () => {
    const s = freshStore();
    const deps = {
      store: s,
      mutes,
      bus: new MemoryBus(),
      classifier,
      clock: at("2026-11-24T10:00:00Z"),
    };
    await processSqsBatch(
      ["hibob", "teamtailor"].map((provider) =>
        record(leverError(`501-${provider}`, 501, { provider })),
      ),
      deps,
    );
    const incidents = await s.listIncidents({ limit: 10 });
    expect(new Set(incidents.map((i) => i.category))).toEqual(new Set(["missing_permissions"]));
    expect(incidents).toHaveLength(2);
  });

  it("closes every open incident of a deleted account quietly, as account_deleted", async () => {
    const s = freshStore();
    const bus = new MemoryBus();
    const deps = { store: s, mutes, bus, classifier, clock: at("2026-11-24T10:00:00Z") };
    // A firing 401, a pending 429, and another account's incident that must stay open.
    await processSqsBatch(
      [
        record(leverError("del-401", 401)),
        record(leverError("del-429", 429)),
        record(leverError("other-401", 401, { account: { id: "acct_other" } })),
      ],
      deps,
    );
    const deleted = leverError("deleted", 200, {
      kind: "account_deleted",
      type: "account.deleted",
      http: undefined,
      occurred_at: "2026-11-24T11:00:00.000Z",
    });
    const result = await processSqsBatch([record(deleted)], {
      ...deps,
      clock: at("2026-11-24T11:00:00Z"),
    });
    expect(result.batchItemFailures).toEqual([]);
    const mine = await s.listIncidents({ account_id: "acct_1", limit: 10 });
    expect(mine.map((i) => [i.rule_id, i.status, i.resolution])).toEqual(
      expect.arrayContaining([
        ["lever.401", "resolved", "account_deleted"],
        ["lever.429", "resolved", "account_deleted"],
      ]),
    );
    const [other] = await s.listIncidents({ account_id: "acct_other", limit: 10 });
    expect(other?.status).toBe("firing");
    // Only the firing one says so, to internal destinations (no customer message: sns-bus).
    const resolved = bus.published.filter((n) => n.kind === "resolved");
    expect(resolved.map((n) => [n.incident.rule_id, n.resolution])).toEqual([
      ["lever.401", "account_deleted"],
    ]);
  });
});

describe("the provider's own words", () => {
  const failed = (id: string, at: string, raw?: string, message = "Forbidden") =>
    leverError(id, 403, {
      provider: "hibob",
      occurred_at: at,
      http: { status: 403, method: "GET", path: "/unified/hris/employees" },
      error: {
        message,
        provider_errors: raw === undefined ? undefined : [{ status: 403, raw }],
      },
    });

  it("keeps the last error and the last five distinct provider messages", async () => {
    const s = freshStore();
    const deps = {
      store: s,
      mutes,
      bus: new MemoryBus(),
      classifier,
      clock: at("2026-11-24T10:10:00Z"),
    };
    const raws = [
      '{"message":"Missing permissions: People > Payroll"}',
      '{"error":{"message":"Missing permissions: People > Lifecycle"}}',
      "Missing permissions: People > Payroll",
      '{"errors":[{"message":"a"},{"message":"b"}]}',
      '{"error_description":"c"}',
      "d",
    ];
    await processSqsBatch(
      raws.map((raw, i) => record(failed(`w${i}`, `2026-11-24T10:0${i}:00.000Z`, raw))),
      deps,
    );
    const [incident] = await s.listIncidents({ limit: 10 });
    expect(incident?.provider_messages).toEqual([
      "Missing permissions: People > Lifecycle",
      "Missing permissions: People > Payroll",
      "a; b",
      "c",
      "d",
    ]);
    expect(incident?.last_error).toEqual({
      status: 403,
      method: "GET",
      path: "/unified/hris/employees",
      message: "Forbidden",
      provider_status: 403,
      provider_message: "d",
      request_id: "req_w5",
      at: "2026-11-24T10:05:00.000Z",
    });
  });

  it("keeps the provider's words when a newer event carries none, whatever the order", async () => {
    const s = freshStore();
    const deps = {
      store: s,
      mutes,
      bus: new MemoryBus(),
      classifier,
      clock: at("2026-11-24T10:10:00Z"),
    };
    // A request-log summary (newer, no provider error) before the detail that has one.
    await processSqsBatch(
      [
        record(failed("summary", "2026-11-24T10:02:00.000Z", undefined, "")),
        record(failed("detail", "2026-11-24T10:01:00.000Z", '{"message":"No access to Payroll"}')),
      ],
      deps,
    );
    // A late, older event does not replace the newest.
    await processSqsBatch([record(failed("late", "2026-11-24T09:00:00.000Z", "old words"))], deps);
    const [incident] = await s.listIncidents({ limit: 10 });
    expect(incident?.last_error).toMatchObject({
      request_id: "req_summary",
      provider_message: "No access to Payroll",
      at: "2026-11-24T10:02:00.000Z",
    });
  });
});
