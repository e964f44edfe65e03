/**
 * The one DynamoDB table's shape, shared by the store, the local stack and `infra/storage.ts`.
 *
 * Items (pk / sk):
 * - `INC#<incident id>` / `INC`: an incident. While pending or firing it carries `open = "1"` and
 *   `due_at` (epoch seconds when it may be resolved for quiet), which puts it in the sparse `open`
 *   index. `type = "incident"` and `sorted_at` (last seen) put it in `byType`, newest first.
 * - `EVT#<source>#<event id>` / `EVT`: an event already counted; expires after 7 days.
 * - `SUB#<id>` / `SUB`: a Slack or webhook subscription; `type = "subscription"`.
 * `expires_at` (epoch seconds) is the TTL attribute.
 * The indexes project only the attributes their queries filter on; readers get each item by key.
 */
export const TABLE = {
  fields: {
    pk: "string",
    sk: "string",
    open: "string",
    due_at: "number",
    type: "string",
    sorted_at: "string",
  },
  primaryIndex: { hashKey: "pk", rangeKey: "sk" },
  // Indexes carry only what queries filter on; readers fetch the item itself. Incident items are
  // rewritten every batch, and a full copy in each index would multiply that write. The
  // projections are mutable arrays, as SST's Dynamo takes them (`as const` makes them readonly).
  globalIndexes: {
    open: {
      hashKey: "open",
      rangeKey: "due_at",
      projection: ["account_id", "expires_at"] as string[],
    },
    byType: {
      hashKey: "type",
      rangeKey: "sorted_at",
      projection: [
        "status",
        "account_id",
        "provider",
        "category",
        "kind",
        "expires_at",
      ] as string[],
    },
  },
  ttl: "expires_at",
} as const;
