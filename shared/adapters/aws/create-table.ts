import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  type ScalarAttributeType,
} from "@aws-sdk/client-dynamodb";
import { sleep } from "../../retry.ts";
import { TABLE } from "./table.ts";

/** Creates the table as `infra/storage.ts` declares it; for the local stack and tests. */
export async function createTable(client: DynamoDBClient, name: string): Promise<void> {
  const type = (field: keyof typeof TABLE.fields): ScalarAttributeType =>
    TABLE.fields[field] === "number" ? "N" : "S";
  const keys = (hash: keyof typeof TABLE.fields, range: keyof typeof TABLE.fields) => [
    { AttributeName: hash, KeyType: "HASH" as const },
    { AttributeName: range, KeyType: "RANGE" as const },
  ];
  try {
    await client.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: Object.keys(TABLE.fields).map((field) => ({
          AttributeName: field,
          AttributeType: type(field as keyof typeof TABLE.fields),
        })),
        KeySchema: keys(TABLE.primaryIndex.hashKey, TABLE.primaryIndex.rangeKey),
        GlobalSecondaryIndexes: Object.entries(TABLE.globalIndexes).map(([index, k]) => ({
          IndexName: index,
          KeySchema: keys(k.hashKey, k.rangeKey),
          Projection: { ProjectionType: "INCLUDE", NonKeyAttributes: [...k.projection] },
        })),
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  // A new table takes writes only once it is active, even in dynalite.
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
    if (Table?.TableStatus === "ACTIVE") return;
    await sleep(10);
  }
}
