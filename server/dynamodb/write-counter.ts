import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";

export type WriteCounts = { event: number; incident: number; other: number };

const WRITES = new Set(["PutItemCommand", "UpdateItemCommand", "DeleteItemCommand"]);

/** Counts the client's writes by the kind of item they touch, for `GET /_local/stats` and the bench. */
export function countWrites(client: DynamoDBClient): WriteCounts {
  const counts: WriteCounts = { event: 0, incident: 0, other: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (WRITES.has(context.commandName ?? "")) {
        const input = args.input as {
          Item?: { pk?: { S?: string } };
          Key?: { pk?: { S?: string } };
        };
        const pk = input.Item?.pk?.S ?? input.Key?.pk?.S ?? "";
        if (pk.startsWith("EVT#")) counts.event += 1;
        else if (pk.startsWith("INC#")) counts.incident += 1;
        else counts.other += 1;
      }
      return next(args);
    },
    { step: "initialize", name: "quirkwatchWriteCounter" },
  );
  return counts;
}
