import {
  BatchGetItemCommand,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import type { DigestEntry, DigestLedger, DueDigest } from "../../notify/digest.ts";
import { DIGEST_LEASE_MS, noticePrefix } from "../../notify/digest.ts";
import { conditional } from "./dynamo-condition.ts";

/**
 * The digest budget in the one table (notify/digest.ts), with single-item conditional writes:
 * - `DIGN#<destination>#<notice>` / `DIGN`: a notice counted once, in its minute;
 * - `DIGC#<destination>#<minute>` / `DIGC`: the minute's count (`ADD`), which gives the position;
 * - `DIGE#<destination>#<minute>` / `<notice>`: a folded notice's entry, read back by one query;
 * - `DIGP` / `<minute>#<destination>`: a digest owed, claimed with a lease by whoever sends it;
 * - `DIGF#<incident>` / `DIGF`: the incident's latest folded notice, for the API's `delivery`.
 * Counts and entries expire after a day, marks after 31 days (TTL on `expires_at`).
 */
export class DynamoDigestLedger implements DigestLedger {
  /** Digests this process has already recorded as owed: one write per destination and minute. */
  private readonly owed = new Set<string>();

  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
  ) {}

  async admit(destination: string, minute: number, entry: DigestEntry, budget: number) {
    const noticeKey = { pk: { S: `DIGN#${destination}#${entry.notice_id}` }, sk: { S: "DIGN" } };
    const day = { N: String(Math.floor(Date.now() / 1000) + 24 * 3600) };
    const counted = await conditional(
      this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: { ...noticeKey, minute: { N: String(minute) }, expires_at: day },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      ),
    );
    if (!counted) return this.decided(noticeKey, destination, minute, entry);
    const { Attributes } = await this.client.send(
      new UpdateItemCommand({
        TableName: this.table,
        Key: { pk: { S: `DIGC#${destination}#${minute}` }, sk: { S: "DIGC" } },
        UpdateExpression: "ADD n :one SET expires_at = :day",
        ExpressionAttributeValues: { ":one": { N: "1" }, ":day": day },
        ReturnValues: "UPDATED_NEW",
      }),
    );
    if (Number(Attributes?.n?.N ?? 0) <= budget) return "send";
    await this.client.send(
      new PutItemCommand({
        TableName: this.table,
        Item: {
          pk: { S: `DIGE#${destination}#${minute}` },
          sk: { S: entry.notice_id },
          entry: { S: JSON.stringify(entry) },
          expires_at: day,
        },
      }),
    );
    if (!this.owed.has(`${minute}#${destination}`)) await this.owe(destination, minute);
    await this.client.send(
      new PutItemCommand({
        TableName: this.table,
        Item: {
          pk: { S: `DIGF#${entry.incident_id}` },
          sk: { S: "DIGF" },
          notice: { S: noticePrefix(entry.notice_id) },
          expires_at: { N: String(Math.floor(Date.now() / 1000) + 31 * 24 * 3600) },
        },
      }),
    );
    return "fold" as const;
  }

  /** A notice counted before (a retry): folded when its entry is kept in its minute's digest. */
  private async decided(
    noticeKey: Record<string, { S: string }>,
    destination: string,
    minute: number,
    entry: DigestEntry,
  ): Promise<"send" | "fold"> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.table, Key: noticeKey, ConsistentRead: true }),
    );
    const { Item: kept } = await this.client.send(
      new GetItemCommand({
        TableName: this.table,
        Key: {
          pk: { S: `DIGE#${destination}#${Item?.minute?.N ?? minute}` },
          sk: { S: entry.notice_id },
        },
        ConsistentRead: true,
      }),
    );
    return kept ? "fold" : "send";
  }

  /** Records that (destination, minute) owes a digest; the first to do so creates it. */
  private async owe(destination: string, minute: number): Promise<void> {
    await conditional(
      this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: {
            pk: { S: "DIGP" },
            sk: { S: `${String(minute).padStart(12, "0")}#${destination}` },
            destination: { S: destination },
            minute: { N: String(minute) },
            lease_until: { N: "0" },
          },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      ),
    );
    this.owed.add(`${minute}#${destination}`);
    if (this.owed.size > 10_000) this.owed.clear();
  }

  async claimDue(minute: number, nowMs: number, limit: number): Promise<DueDigest[]> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: "pk = :p AND sk < :before",
        ExpressionAttributeValues: {
          ":p": { S: "DIGP" },
          ":before": { S: String(minute).padStart(12, "0") },
        },
        Limit: limit,
        ConsistentRead: true,
      }),
    );
    const out: DueDigest[] = [];
    for (const item of Items ?? []) {
      const claimed = await conditional(
        this.client.send(
          new UpdateItemCommand({
            TableName: this.table,
            Key: { pk: { S: "DIGP" }, sk: item.sk ?? { S: "" } },
            UpdateExpression: "SET lease_until = :until",
            ConditionExpression: "attribute_exists(pk) AND lease_until <= :now",
            ExpressionAttributeValues: {
              ":until": { N: String(nowMs + DIGEST_LEASE_MS) },
              ":now": { N: String(nowMs) },
            },
          }),
        ),
      );
      // Unless another sender holds it.
      if (claimed)
        out.push({ destination: item.destination?.S ?? "", minute: Number(item.minute?.N) });
    }
    return out;
  }

  async entries(digest: DueDigest): Promise<DigestEntry[]> {
    const out: DigestEntry[] = [];
    let start: Record<string, import("@aws-sdk/client-dynamodb").AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: "pk = :p",
          ExpressionAttributeValues: { ":p": { S: `DIGE#${digest.destination}#${digest.minute}` } },
          ExclusiveStartKey: start,
          ConsistentRead: true,
        }),
      );
      for (const item of page.Items ?? []) out.push(JSON.parse(item.entry?.S ?? "{}"));
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }

  async done(digest: DueDigest): Promise<void> {
    await this.client.send(
      new DeleteItemCommand({
        TableName: this.table,
        Key: {
          pk: { S: "DIGP" },
          sk: { S: `${String(digest.minute).padStart(12, "0")}#${digest.destination}` },
        },
      }),
    );
  }

  async folded(prefixes: string[]): Promise<Set<string>> {
    const wanted = new Map(prefixes.map((p) => [p.slice(0, p.indexOf(".")), p]));
    const out = new Set<string>();
    const ids = [...wanted.keys()];
    for (let i = 0; i < ids.length; i += 100) {
      let keys = ids
        .slice(i, i + 100)
        .map((id) => ({ pk: { S: `DIGF#${id}` }, sk: { S: "DIGF" } }));
      while (keys.length > 0) {
        const { Responses, UnprocessedKeys } = await this.client.send(
          new BatchGetItemCommand({ RequestItems: { [this.table]: { Keys: keys } } }),
        );
        for (const item of Responses?.[this.table] ?? []) {
          const id = item.pk?.S?.slice("DIGF#".length) ?? "";
          if (wanted.get(id) === item.notice?.S) out.add(item.notice?.S ?? "");
        }
        keys = (UnprocessedKeys?.[this.table]?.Keys as typeof keys | undefined) ?? [];
      }
    }
    return out;
  }
}
