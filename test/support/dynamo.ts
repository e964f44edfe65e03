import { randomUUID } from "node:crypto";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { type LocalDynamo, startDynalite } from "../../scripts/local/dynalite.ts";
import { createTable } from "../../shared/adapters/aws/create-table.ts";
import { createDynamoClient } from "../../shared/adapters/aws/dynamo-client.ts";
import { DynamoIncidentStore } from "../../shared/adapters/aws/dynamo-store.ts";

export type TestDynamo = LocalDynamo & {
  client: DynamoDBClient;
  freshStore(): Promise<DynamoIncidentStore>;
};

/** dynalite on a random port; each store gets a table of its own. */
export async function testDynamo(): Promise<TestDynamo> {
  const dynamo = await startDynalite();
  const client = createDynamoClient(dynamo.endpoint);
  return {
    ...dynamo,
    client,
    async freshStore() {
      const table = `quirkwatch-${randomUUID()}`;
      await createTable(client, table);
      return new DynamoIncidentStore(client, table);
    },
    async close() {
      client.destroy();
      await dynamo.close();
    },
  };
}
