import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { dynamoEndpoint } from "../../config.ts";

/** In Lambda the SDK finds DynamoDB itself; locally it points at dynalite. */
export function createDynamoClient(endpoint = dynamoEndpoint()): DynamoDBClient {
  if (endpoint === undefined) return new DynamoDBClient({});
  return new DynamoDBClient({
    endpoint,
    region: "local",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
}
