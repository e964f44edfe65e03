import {
  type AttributeValue,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
} from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import type { Mute, MuteStore } from "../../incidents/mute.ts";

/**
 * Mutes in the one table: `MUTE#<id>` / `MUTE`, `type = "mute"` in `byType` (newest first), and
 * `expires_at` at the mute's end, so DynamoDB's TTL deletes ended mutes (reads filter them first).
 */
export class DynamoMuteStore implements MuteStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
  ) {}

  async create(mute: Mute): Promise<void> {
    const item = {
      ...mute,
      ...plainKey(mute.id),
      type: "mute",
      sorted_at: mute.created_at,
      expires_at: Math.ceil(Date.parse(mute.ends_at) / 1000),
    };
    await this.client.send(
      new PutItemCommand({
        TableName: this.table,
        Item: marshall(item, { removeUndefinedValues: true }),
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
  }

  async active(now: Date): Promise<Mute[]> {
    const input: Omit<QueryCommandInput, "ExclusiveStartKey"> = {
      TableName: this.table,
      IndexName: "byType",
      KeyConditionExpression: "#type = :type",
      FilterExpression: "expires_at > :now",
      ScanIndexForward: false,
      ExpressionAttributeNames: { "#type": "type" },
      ExpressionAttributeValues: {
        ":type": { S: "mute" },
        ":now": { N: String(Math.floor(now.getTime() / 1000)) },
      },
    };
    const out: Mute[] = [];
    let start: QueryCommandInput["ExclusiveStartKey"];
    do {
      const page = await this.client.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
      // The index holds keys only: read each mute itself.
      for (const entry of page.Items ?? []) {
        const { Item } = await this.client.send(
          new GetItemCommand({
            TableName: this.table,
            Key: { pk: entry.pk as AttributeValue, sk: entry.sk as AttributeValue },
            ConsistentRead: true,
          }),
        );
        const mute = Item ? fromItem(Item) : undefined;
        if (mute && Date.parse(mute.ends_at) > now.getTime()) out.push(mute);
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }

  async remove(id: string): Promise<Mute | undefined> {
    const { Attributes } = await this.client.send(
      new DeleteItemCommand({
        TableName: this.table,
        Key: marshall(plainKey(id)),
        ReturnValues: "ALL_OLD",
      }),
    );
    return Attributes ? fromItem(Attributes) : undefined;
  }
}

const plainKey = (id: string) => ({ pk: `MUTE#${id}`, sk: "MUTE" });

function fromItem(item: Record<string, AttributeValue>): Mute {
  const {
    pk: _pk,
    sk: _sk,
    type: _type,
    sorted_at: _sorted,
    expires_at: _expires,
    ...mute
  } = unmarshall(item);
  return mute as Mute;
}
