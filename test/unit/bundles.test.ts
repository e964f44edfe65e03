/** What each Lambda bundle carries: only the AWS clients its function uses (cold start). */
import { expect, it } from "vitest";
import { buildFunction, packagesIn } from "../../scripts/build.ts";

it("ingest carries no DynamoDB or SNS client", async () => {
  const bundle = await buildFunction("ingest", { write: false });
  const packages = packagesIn(bundle.metafile);
  expect(packages).toContain("@aws-sdk/client-sqs");
  expect(packages).not.toContain("@aws-sdk/client-dynamodb");
  expect(packages).not.toContain("@aws-sdk/client-sns");
});
