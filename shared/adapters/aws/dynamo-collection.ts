import {
  type AttributeValue,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { conditional } from "./dynamo-condition.ts";

/** What the one table adds to an entity's own attributes: its keys, its `byType` entry, its TTL. */
const TABLE_ATTRIBUTES = ["pk", "sk", "type", "sorted_at", "expires_at"] as const;

/** A condition on `byType`'s query: a filter with the names and values it uses. */
export type TypeFilter = {
  expression: string;
  names?: Record<string, string>;
  values?: Record<string, AttributeValue>;
};

/**
 * One kind of entity in the one table, kept whole under `<PREFIX>#<id>` / `<PREFIX>` and listed
 * newest first through `byType` (`type`, `sorted_at` = its `created_at`). Mutes and subscriptions
 * are such collections; incidents, digests and cursors have keys and writes of their own.
 */
export class DynamoCollection<T extends { id: string; created_at: string }> {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    private readonly prefix: string,
    private readonly type: string,
  ) {}

  private key(id: string) {
    return { pk: { S: `${this.prefix}#${id}` }, sk: { S: this.prefix } };
  }

  /** Writes a new entity (never over one with its id), with any attributes the table needs. */
  async create(entity: T, extra: Record<string, unknown> = {}): Promise<void> {
    const item = {
      ...entity,
      pk: `${this.prefix}#${entity.id}`,
      sk: this.prefix,
      type: this.type,
      sorted_at: entity.created_at,
      ...extra,
    };
    await this.client.send(
      new PutItemCommand({
        TableName: this.table,
        Item: marshall(item, { removeUndefinedValues: true }),
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
  }

  async get(id: string): Promise<T | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.table, Key: this.key(id), ConsistentRead: true }),
    );
    return Item ? this.entityOf(Item) : undefined;
  }

  /** Every entity of the collection that `filter` keeps, newest first. */
  async list(filter?: TypeFilter): Promise<T[]> {
    const input: Omit<QueryCommandInput, "ExclusiveStartKey"> = {
      TableName: this.table,
      IndexName: "byType",
      KeyConditionExpression: "#type = :type",
      ScanIndexForward: false,
      ExpressionAttributeNames: { "#type": "type", ...filter?.names },
      ExpressionAttributeValues: { ":type": { S: this.type }, ...filter?.values },
      ...(filter ? { FilterExpression: filter.expression } : {}),
    };
    const out: T[] = [];
    let start: QueryCommandInput["ExclusiveStartKey"];
    do {
      const page = await this.client.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
      // The index holds keys only: read each entity itself.
      for (const item of page.Items ?? []) {
        const entity = await this.get(item.pk?.S?.slice(this.prefix.length + 1) ?? "");
        if (entity) out.push(entity);
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }

  /** Deletes it; answers what it was, or undefined when there was none. */
  async remove(id: string): Promise<T | undefined> {
    const { Attributes } = await this.client.send(
      new DeleteItemCommand({ TableName: this.table, Key: this.key(id), ReturnValues: "ALL_OLD" }),
    );
    return Attributes ? this.entityOf(Attributes) : undefined;
  }

  /**
   * Updates an entity that exists and meets `condition` (when given); answers it as it is now,
   * or undefined when there is none or the condition does not hold.
   */
  async update(
    id: string,
    update: Pick<
      UpdateItemCommandInput,
      "UpdateExpression" | "ExpressionAttributeNames" | "ExpressionAttributeValues"
    > & { condition?: string },
  ): Promise<T | undefined> {
    const { condition, ...expressions } = update;
    const output = await conditional(
      this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: this.key(id),
          ...expressions,
          ConditionExpression: `attribute_exists(pk)${condition ? ` AND ${condition}` : ""}`,
          ReturnValues: "ALL_NEW",
        }),
      ),
    );
    return output?.Attributes && this.entityOf(output.Attributes);
  }

  private entityOf(item: Record<string, AttributeValue>): T {
    const entity = unmarshall(item);
    for (const name of TABLE_ATTRIBUTES) delete entity[name];
    return entity as T;
  }
}
