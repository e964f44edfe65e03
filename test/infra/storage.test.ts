/** The one DynamoDB table, as SST creates it from TABLE, the shape the store relies on. */
import { expect, inject, it } from "vitest";
import { TABLE } from "../../shared/adapters/aws/table.ts";
import { Deployment } from "./support/deployment.ts";

const dev = new Deployment(inject("dev"));
const table = dev.childOf<aws.dynamodb.TableArgs>("Table", "aws:dynamodb/table:Table");

it("has the store's keys: pk and sk, strings", () => {
  expect(table.inputs).toMatchObject({
    hashKey: TABLE.primaryIndex.hashKey,
    rangeKey: TABLE.primaryIndex.rangeKey,
  });
  expect(table.inputs.attributes).toEqual(
    Object.entries(TABLE.fields).map(([name, type]) => ({
      name,
      type: type === "number" ? "N" : "S",
    })),
  );
});

it("expires items by expires_at", () => {
  expect(table.inputs.ttl).toEqual({ attributeName: TABLE.ttl, enabled: true });
});

it("has each index with its keys, projecting only the attributes its queries filter on", () => {
  expect(table.inputs.globalSecondaryIndexes).toEqual(
    Object.entries(TABLE.globalIndexes).map(([name, index]) => ({
      name,
      hashKey: index.hashKey,
      rangeKey: index.rangeKey,
      projectionType: "INCLUDE",
      nonKeyAttributes: index.projection,
    })),
  );
});

it("is billed per request", () => {
  expect(table.inputs.billingMode).toBe("PAY_PER_REQUEST");
});
