import { type DynamoDBClient, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import type { CursorStore } from "../../sources/cursor-store.ts";

/** Cursors in the one table: `CUR#<name>` / `CUR`, holding `value`. */
export class DynamoCursorStore implements CursorStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
  ) {}

  async get(name: string): Promise<string | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.table, Key: key(name), ConsistentRead: true }),
    );
    return Item?.value?.S;
  }

  async set(name: string, value: string): Promise<void> {
    await this.client.send(
      new PutItemCommand({ TableName: this.table, Item: { ...key(name), value: { S: value } } }),
    );
  }
}

const key = (name: string) => ({ pk: { S: `CUR#${name}` }, sk: { S: "CUR" } });
