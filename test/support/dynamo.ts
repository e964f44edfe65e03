import { randomUUID } from "node:crypto";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { type LocalDynamo, startDynalite } from "../../server/dynamodb/dynalite.ts";
import { createTable } from "../../shared/adapters/aws/create-table.ts";
import { createDynamoClient } from "../../shared/adapters/aws/dynamo-client.ts";
import { DynamoMuteStore } from "../../shared/adapters/aws/dynamo-mutes.ts";
import { DynamoIncidentStore } from "../../shared/adapters/aws/dynamo-store.ts";

export type TestDynamo = LocalDynamo & {
  client: DynamoDBClient;
  freshStore(): Promise<DynamoIncidentStore>;
  freshMutes(): Promise<DynamoMuteStore>;
  /** An incident store and a mute store sharing one fresh table. */
  freshStores(): Promise<{ store: DynamoIncidentStore; mutes: DynamoMuteStore; table: string }>;
};

/** dynalite on a random port; each store gets a table of its own. */
export async function testDynamo(): Promise<TestDynamo> {
  const dynamo = await startDynalite();
  const client = createDynamoClient(dynamo.endpoint);
  const freshTable = async () => {
    const table = `quirkwatch-${randomUUID()}`;
    await createTable(client, table);
    return table;
  };
  return {
    ...dynamo,
    client,
    async freshStore() {
      return new DynamoIncidentStore(client, await freshTable());
    },
    async freshMutes() {
      return new DynamoMuteStore(client, await freshTable());
    },
    async freshStores() {
      const table = await freshTable();
      return {
        store: new DynamoIncidentStore(client, table),
        mutes: new DynamoMuteStore(client, table),
        table,
      };
    },
    async close() {
      client.destroy();
      await dynamo.close();
    },
  };
}
