import { deflateRawSync, inflateRawSync } from "node:zlib";
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { EVENT_RETENTION_SECONDS } from "../../events/event-time.ts";
import { PROVIDER_ACCOUNT_PREFIX } from "../../incidents/outage-hold.ts";
import type { IncidentRecord } from "../../incidents/record.ts";
import type { Claim, EventKey, IncidentFilter, IncidentStore } from "../../incidents/store.ts";
import { conditional } from "./dynamo-condition.ts";

const epochNow = () => Math.floor(Date.now() / 1000);
const eventKey = (k: EventKey) => ({
  pk: { S: `EVT#${k.source}#${k.id}` },
  sk: { S: "EVT" },
});
const incidentKey = (id: string) => ({ pk: { S: `INC#${id}` }, sk: { S: "INC" } });
/**
 * The `open` index keeps `due_at` rounded down to this step: an incident updated every few
 * seconds then moves its index entry (a delete and a put, each billed) once a minute at most.
 * Readers of the index reread each item and go by its exact `due_at`.
 */
const DUE_INDEX_STEP_SECONDS = 60;
/**
 * The incident record is stored deflated with this preset dictionary: the field names and
 * common values of every record, so that even a new incident's item fits in one 1 KB write unit
 * (about 470 bytes instead of 750 for a typical one). Items hold it under `record`: NEVER edit
 * this text, or those items become unreadable; a better dictionary goes under a new attribute.
 */
const RECORD_DICTIONARY = Buffer.from(
  '{"id":"inc_","account":{"id":"","name":""},"provider":"","rule_id":"","category":"",' +
    '"severity":"critical","must_act":"customer","status":"firing","title":"","what_happened":"",' +
    '"remediation":[],"retryable":false,"count":1,"first_seen":"2026-","last_seen":"2026-",' +
    '"request_ids":[],"messages":[],"provider_messages":[],"last_error":{"status":0,' +
    '"method":"GET","path":"/unified/","message":"","request_id":"","at":""},"generation":1,' +
    '"version":1,"policy":{"threshold":{"count":1,"window_seconds":60},"repeat_seconds":14400,' +
    '"resolve_after_quiet_seconds":86400},"hours":{},"minutes":{},"notice_seq":1,' +
    '"notified_at":"","notified_count":1,"outbox":[],"applied":[],"applied_floor":0,' +
    '"received_at":1,"due_at":1,"expires_at":1,"scope":"account","withheld":{},' +
    '"acknowledged":{},"mute":{},"resolution":{},"affected_accounts":1,"sample_accounts":[]}',
);
/** DynamoDB deletes expired items late, and dynalite never: every read filters them. */
const NOT_EXPIRED = "(attribute_not_exists(expires_at) OR expires_at > :now)";

export class DynamoIncidentStore implements IncidentStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
  ) {}

  async claimEvent(key: EventKey, claim: { token: string; message_id: string }): Promise<Claim> {
    const now = epochNow();
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: {
            ...eventKey(key),
            token: { S: claim.token },
            message_id: { S: claim.message_id },
            expires_at: { N: String(now + EVENT_RETENTION_SECONDS) },
          },
          ConditionExpression: "attribute_not_exists(pk) OR expires_at <= :now",
          ExpressionAttributeValues: { ":now": { N: String(now) } },
        }),
      );
      return { status: "claimed" };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.table, Key: eventKey(key), ConsistentRead: true }),
    );
    // The SDK retries a request whose answer was lost: our own first try may have written it.
    if (Item?.token?.S === claim.token && Item?.message_id?.S === claim.message_id) {
      return { status: "claimed" };
    }
    const expires = Number(Item?.expires_at?.N ?? Number.NaN);
    return {
      status: "duplicate",
      token: Item?.token?.S,
      message_id: Item?.message_id?.S,
      claimed_at: Number.isNaN(expires) ? undefined : expires - EVENT_RETENTION_SECONDS,
    };
  }

  async reclaimEvent(key: EventKey, from: string, to: string) {
    return this.conditional(
      new UpdateItemCommand({
        TableName: this.table,
        Key: eventKey(key),
        UpdateExpression: "SET #token = :to",
        // Idempotent: the SDK may retry a request whose answer it lost.
        ConditionExpression: "#token = :from OR #token = :to",
        ExpressionAttributeNames: { "#token": "token" },
        ExpressionAttributeValues: { ":from": { S: from }, ":to": { S: to } },
      }),
    );
  }

  async getIncident(id: string): Promise<IncidentRecord | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.table, Key: incidentKey(id), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const record = fromItem(Item);
    return record.expires_at !== undefined && record.expires_at <= epochNow() ? undefined : record;
  }

  async saveIncident(record: IncidentRecord, expectedVersion: number | undefined) {
    // DynamoDB bills a write per KB of the item, and an incident is rewritten every batch: the
    // record is stored compressed (a third of its size or less), beside the few attributes that
    // keys, indexes, filters and conditions read.
    const item: Record<string, unknown> = {
      pk: `INC#${record.id}`,
      sk: "INC",
      version: (expectedVersion ?? 0) + 1,
      type: "incident",
      sorted_at: record.last_seen,
      account_id: record.account.id,
      status: record.status,
      provider: record.provider,
      category: record.category,
      expires_at: record.expires_at,
      // The domain sets due_at only while the incident is open: that puts it in the `open` index.
      open: record.due_at === undefined ? undefined : "1",
      due_at:
        record.due_at === undefined
          ? undefined
          : Math.floor(record.due_at / DUE_INDEX_STEP_SECONDS) * DUE_INDEX_STEP_SECONDS,
      record: deflateRawSync(JSON.stringify(record), { dictionary: RECORD_DICTIONARY }),
    };
    return this.conditional(
      new PutItemCommand({
        TableName: this.table,
        Item: marshall(item, { removeUndefinedValues: true }),
        ...(expectedVersion === undefined
          ? {
              // An expired incident is gone for readers, even before TTL deletes it: a new one
              // may take its id (otherwise its account's next event could never be counted).
              ConditionExpression: "attribute_not_exists(pk) OR expires_at <= :now",
              ExpressionAttributeValues: { ":now": { N: String(epochNow()) } },
            }
          : {
              ConditionExpression: "version = :v",
              ExpressionAttributeValues: { ":v": { N: String(expectedVersion) } },
            }),
      }),
    );
  }

  async dueIncidents(nowEpoch: number, limit: number) {
    const due = await this.query(
      {
        IndexName: "open",
        KeyConditionExpression: "#open = :one AND due_at <= :due",
        ExpressionAttributeNames: { "#open": "open" },
        ExpressionAttributeValues: { ":one": { S: "1" }, ":due": { N: String(nowEpoch) } },
      },
      limit,
      // The index keeps only keys: read each item for its current version.
      true,
    );
    // The index's due_at is rounded down: the exact one decides.
    return due
      .filter((r) => r.due_at !== undefined && r.due_at <= nowEpoch)
      .sort((a, b) => (a.due_at ?? 0) - (b.due_at ?? 0));
  }

  openIncidentsForAccount(accountId: string) {
    return this.query(
      {
        IndexName: "open",
        KeyConditionExpression: "#open = :one",
        FilterExpression: "account_id = :account",
        ExpressionAttributeNames: { "#open": "open" },
        ExpressionAttributeValues: { ":one": { S: "1" }, ":account": { S: accountId } },
      },
      1000,
      true,
    );
  }

  listIncidents(filter: IncidentFilter) {
    const names: Record<string, string> = { "#type": "type" };
    const values: Record<string, { S: string }> = { ":type": { S: "incident" } };
    const conditions: string[] = [];
    for (const field of ["status", "account_id", "provider", "category"] as const) {
      const value = filter[field];
      if (value === undefined) continue;
      names[`#${field}`] = field;
      values[`:${field}`] = { S: value };
      conditions.push(`#${field} = :${field}`);
    }
    // Provider incidents stand under a reserved account id (outage-hold.ts): the index has it.
    if (filter.scope !== undefined) {
      names["#account_id"] = "account_id";
      values[":provider_scope"] = { S: PROVIDER_ACCOUNT_PREFIX };
      const test = "begins_with(#account_id, :provider_scope)";
      conditions.push(filter.scope === "provider" ? test : `NOT ${test}`);
    }
    return this.query(
      {
        IndexName: "byType",
        KeyConditionExpression: "#type = :type",
        ScanIndexForward: false,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ...(conditions.length > 0 ? { FilterExpression: conditions.join(" AND ") } : {}),
        ...(filter.after === undefined
          ? {}
          : {
              ExclusiveStartKey: {
                ...incidentKey(filter.after.id),
                type: { S: "incident" },
                sorted_at: { S: filter.after.last_seen },
              },
            }),
      },
      filter.limit,
      true,
    );
  }

  private async query(
    input: Omit<QueryCommandInput, "TableName">,
    limit: number,
    reread: boolean,
  ): Promise<IncidentRecord[]> {
    const now = epochNow();
    const out: IncidentRecord[] = [];
    let start: QueryCommandInput["ExclusiveStartKey"] = input.ExclusiveStartKey;
    do {
      const page = await this.client.send(
        new QueryCommand({
          ...input,
          TableName: this.table,
          ExclusiveStartKey: start,
          FilterExpression: input.FilterExpression
            ? `(${input.FilterExpression}) AND ${NOT_EXPIRED}`
            : NOT_EXPIRED,
          ExpressionAttributeValues: {
            ...input.ExpressionAttributeValues,
            ":now": { N: String(now) },
          },
        }),
      );
      for (const item of page.Items ?? []) {
        if (out.length >= limit) break;
        const id = item.pk?.S?.slice("INC#".length) ?? "";
        const record = reread ? await this.getIncident(id) : fromItem(item);
        if (record) out.push(record);
      }
      start = page.LastEvaluatedKey;
    } while (start && out.length < limit);
    return out;
  }

  private async conditional(command: PutItemCommand | UpdateItemCommand): Promise<boolean> {
    return (await conditional(this.client.send(command as PutItemCommand))) !== undefined;
  }
}

function fromItem(item: Record<string, AttributeValue>): IncidentRecord {
  // Written compressed (saveIncident); items written before that hold the record's attributes.
  if (item.record?.B !== undefined) {
    const json = inflateRawSync(item.record.B, { dictionary: RECORD_DICTIONARY }).toString();
    const record = JSON.parse(json) as IncidentRecord;
    return { ...record, version: Number(item.version?.N ?? 0) };
  }
  const {
    pk: _pk,
    sk: _sk,
    type: _type,
    sorted_at: _s,
    account_id: _a,
    open: _o,
    ...record
  } = unmarshall(item);
  return record as IncidentRecord;
}
