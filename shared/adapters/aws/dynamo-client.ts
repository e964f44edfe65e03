import { DynamoDBClient } from "@aws-sdk/client-dynamodb";

/** In Lambda the SDK finds DynamoDB itself; locally and in tests it is pointed at dynalite. */
export function createDynamoClient(endpoint?: string): DynamoDBClient {
  if (endpoint === undefined) return new DynamoDBClient({});
  return new DynamoDBClient({
    endpoint,
    region: "local",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
}
