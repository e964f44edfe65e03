import { TABLE } from "../shared/adapters/aws/table.ts";

/** Built from the same TABLE the store uses, so keys, indexes and TTL cannot drift. */
export const table = new sst.aws.Dynamo("Table", {
  fields: TABLE.fields,
  primaryIndex: TABLE.primaryIndex,
  globalIndexes: TABLE.globalIndexes,
  ttl: TABLE.ttl,
  // Incidents and subscriptions are the product's memory: never lose them to a stray deploy.
  deletionProtection: $app.stage === "production",
});
