import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import type { SubscriptionFilter } from "../../notify/filter.ts";
import type { Subscription, SubscriptionKind } from "../../notify/subscription.ts";
import type { SubscriptionStore } from "../../notify/subscription-store.ts";

/** Subscriptions in the one table: `SUB#<id>` / `SUB`, listed through `byType`. */

const key = (id: string) => ({ pk: { S: `SUB#${id}` }, sk: { S: "SUB" } });

export class DynamoSubscriptionStore implements SubscriptionStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
  ) {}

  async create(subscription: Subscription): Promise<void> {
    const item = {
      ...subscription,
      pk: `SUB#${subscription.id}`,
      sk: "SUB",
      type: "subscription",
      sorted_at: subscription.created_at,
    };
    await this.client.send(
      new PutItemCommand({
        TableName: this.table,
        Item: marshall(item, { removeUndefinedValues: true }),
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
  }

  async get(id: string): Promise<Subscription | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.table, Key: key(id), ConsistentRead: true }),
    );
    return Item ? fromItem(Item) : undefined;
  }

  async list(kind?: SubscriptionKind): Promise<Subscription[]> {
    const input: Omit<QueryCommandInput, "ExclusiveStartKey"> = {
      TableName: this.table,
      IndexName: "byType",
      KeyConditionExpression: "#type = :type",
      ScanIndexForward: false,
      ExpressionAttributeNames: { "#type": "type", ...(kind ? { "#kind": "kind" } : {}) },
      ExpressionAttributeValues: {
        ":type": { S: "subscription" },
        ...(kind ? { ":kind": { S: kind } } : {}),
      },
      ...(kind ? { FilterExpression: "#kind = :kind" } : {}),
    };
    const out: Subscription[] = [];
    let start: QueryCommandInput["ExclusiveStartKey"];
    do {
      const page = await this.client.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
      // The index holds keys only: read each subscription itself.
      for (const item of page.Items ?? []) {
        const subscription = await this.get(item.pk?.S?.slice("SUB#".length) ?? "");
        if (subscription) out.push(subscription);
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }

  async remove(id: string): Promise<Subscription | undefined> {
    const { Attributes } = await this.client.send(
      new DeleteItemCommand({ TableName: this.table, Key: key(id), ReturnValues: "ALL_OLD" }),
    );
    return Attributes ? fromItem(Attributes) : undefined;
  }

  async updateFilter(id: string, filter: SubscriptionFilter): Promise<Subscription | undefined> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: key(id),
          UpdateExpression: "SET #filter = :filter",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeNames: { "#filter": "filter" },
          ExpressionAttributeValues: {
            ":filter": { M: marshall(filter, { removeUndefinedValues: true }) },
          },
          ReturnValues: "ALL_NEW",
        }),
      );
      return Attributes ? fromItem(Attributes) : undefined;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  async markBroken(id: string, reason: string, at: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: key(id),
          UpdateExpression: "SET broken_reason = :reason, broken_at = :at",
          ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(broken_reason)",
          ExpressionAttributeValues: { ":reason": { S: reason }, ":at": { S: at } },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}

function fromItem(item: Record<string, AttributeValue>): Subscription {
  const { pk: _pk, sk: _sk, type: _type, sorted_at: _sorted, ...subscription } = unmarshall(item);
  return subscription as Subscription;
}
