/**
 * The incident item on DynamoDB: what it costs to write (DynamoDB bills a write unit per KB, and
 * an incident is rewritten every batch), and that the compact form reads back whole.
 */
import { GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { itemSize } from "../../bench/support/dynamo-meter.ts";
import type { IncidentRecord } from "../../shared/incidents/record.ts";
import { type TestDynamo, testDynamo } from "../support/dynamo.ts";
import { incidentRecord } from "../support/factories.ts";

const now = () => Math.floor(Date.now() / 1000);

/** An incident deep in a storm: every list at its longest. */
function stormRecord(id: string, over: Partial<IncidentRecord> = {}): IncidentRecord {
  const at = now();
  return incidentRecord(id, {
    account: { id: "acct_storm", name: "Acme Storm Ltd" },
    provider: "smartrecruiters",
    rule_id: "smartrecruiters.429",
    category: "rate_limited",
    severity: "warning",
    must_act: "us",
    title: "SmartRecruiters is rate limiting Acme Storm Ltd",
    what_happened: "SmartRecruiters answered 429 Too Many Requests to requests for Acme Storm Ltd.",
    remediation: ["Slow down requests to SmartRecruiters", "Spread syncs over the hour"],
    retryable: true,
    count: 123_456,
    last_seen: "2026-11-24T11:59:59.000Z",
    request_ids: Array.from(
      { length: 5 },
      (_, i) => `3f1c2a9e-4b7d-4e1a-a0c3-${`${i}`.padStart(12, "0")}`,
    ),
    messages: Array.from({ length: 5 }, (_, i) => `${i}: ${"Rate limit exceeded. ".repeat(14)}`),
    policy: {
      threshold: { count: 1, window_seconds: 60 },
      repeat_seconds: 14_400,
      resolve_after_quiet_seconds: 1_800,
    },
    hours: Object.fromEntries(
      Array.from({ length: 48 }, (_, i) => [
        `20261124${String(i % 24).padStart(2, "0")}${i}`,
        2500 + i,
      ]),
    ),
    minutes: Object.fromEntries(Array.from({ length: 2 }, (_, i) => [String(29_000_000 + i), 90])),
    notice_seq: 1,
    notified_count: 1,
    // The most batch tokens an incident remembers (record.ts), as process.ts makes them.
    applied: Array.from({ length: 200 }, (_, i) => [
      Buffer.from(`token-${i}-xx`).toString("base64url").slice(0, 12),
      at - 3000 + i * 15,
    ]),
    applied_floor: at - 3600,
    received_at: at,
    due_at: at + 1_800,
    ...over,
  });
}

let dynamo: TestDynamo;
beforeAll(async () => {
  dynamo = await testDynamo();
});
afterAll(() => dynamo.close());

async function rawItem(table: string, id: string) {
  const { Item } = await dynamo.client.send(
    new GetItemCommand({
      TableName: table,
      Key: { pk: { S: `INC#${id}` }, sk: { S: "INC" } },
      ConsistentRead: true,
    }),
  );
  return Item;
}

describe("the DynamoDB incident item", () => {
  it("costs at most 3 write units in a storm, where its attributes alone would take 8", async () => {
    const { store, table } = await dynamo.freshStores();
    const record = stormRecord("inc_storm");
    expect(await store.saveIncident(record, undefined)).toBe(true);
    const plain = itemSize(marshall(record, { removeUndefinedValues: true }));
    const stored = itemSize(await rawItem(table, "inc_storm"));
    expect(plain).toBeGreaterThan(7 * 1024);
    expect(stored).toBeLessThanOrEqual(3 * 1024);
    expect(await store.getIncident("inc_storm")).toEqual({ ...record, version: 1 });
  });

  it("costs 1 write unit for a new incident of one event, with room to spare", async () => {
    const { store, table } = await dynamo.freshStores();
    const record = stormRecord("inc_new_one_of_many_accounts", {
      account: { id: "acct_single_4821", name: "Customer acct_single_4821" },
      provider: "hibob",
      rule_id: "hibob.403",
      category: "missing_permissions",
      must_act: "customer",
      title: "Hibob denies Customer acct_single_4821 access to employees",
      what_happened:
        "Hibob answered 403 Forbidden: the API user of Customer acct_single_4821 lacks the permission to read employees.",
      remediation: [
        "In Hibob, give the StackOne service user the 'Employees: read' permission.",
        "Then retry the sync; nothing needs reconnecting.",
      ],
      count: 1,
      request_ids: ["3f1c2a9e-4b7d-4e1a-a0c3-000000004821"],
      messages: ["The API user does not have permission to read employees"],
      hours: { "2026120222": 1 },
      minutes: { "29412130": 1 },
      applied: [["Xk3mQ9bTz1Lc", now()]],
      last_error: {
        status: 403,
        method: "GET",
        path: "/unified/hris/employees",
        message: "The API user does not have permission to read employees",
        request_id: "3f1c2a9e-4b7d-4e1a-a0c3-000000004821",
        at: "2026-12-02T22:10:01.230Z",
      },
      // Its firing notice, decided in the write that creates it and published after.
      outbox: [
        {
          id: "inc_new_one_of_many_accounts:1:firing",
          kind: "firing",
          created_at: "2026-12-02T22:10:01.230Z",
          owner: "Xk3mQ9bTz1Lc",
        },
      ],
    });
    expect(await store.saveIncident(record, undefined)).toBe(true);
    // With room to spare: a provider's own message may add up to 300 characters.
    expect(itemSize(await rawItem(table, record.id))).toBeLessThanOrEqual(768);
    expect(await store.getIncident(record.id)).toEqual({ ...record, version: 1 });
  });

  it("reads an incident written in full attributes, before the compact form", async () => {
    const { store, table } = await dynamo.freshStores();
    const record = stormRecord("inc_old", { version: 4 });
    const item = {
      ...record,
      pk: "INC#inc_old",
      sk: "INC",
      type: "incident",
      sorted_at: record.last_seen,
      account_id: record.account.id,
      open: "1",
    };
    await dynamo.client.send(
      new PutItemCommand({
        TableName: table,
        Item: marshall(item, { removeUndefinedValues: true }),
      }),
    );
    expect(await store.getIncident("inc_old")).toEqual(record);
    // And its next write is conditional on that version, as before.
    expect(await store.saveIncident({ ...record, count: record.count + 1 }, 3)).toBe(false);
    expect(await store.saveIncident({ ...record, count: record.count + 1 }, 4)).toBe(true);
    expect((await store.getIncident("inc_old"))?.count).toBe(record.count + 1);
  });

  it("finds an incident due only once its exact due time has come, oldest due first", async () => {
    const { store } = await dynamo.freshStores();
    // The index rounds due_at down to the minute: both share a minute with `at`.
    const at = Math.floor(now() / 60) * 60 + 30;
    await store.saveIncident(stormRecord("inc_later", { due_at: at + 20 }), undefined);
    await store.saveIncident(stormRecord("inc_sooner", { due_at: at - 20 }), undefined);
    expect((await store.dueIncidents(at - 21, 10)).map((r) => r.id)).toEqual([]);
    expect((await store.dueIncidents(at, 10)).map((r) => r.id)).toEqual(["inc_sooner"]);
    expect((await store.dueIncidents(at + 20, 10)).map((r) => r.id)).toEqual([
      "inc_sooner",
      "inc_later",
    ]);
  });
});
