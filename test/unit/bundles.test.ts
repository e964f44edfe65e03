/** What each Lambda bundle carries: only the AWS clients its function uses (cold start). */
import { expect, it } from "vitest";
import { buildFunction, functionNames, packagesIn } from "../../scripts/build.ts";

it("ingest carries no DynamoDB or SNS client", async () => {
  const bundle = await buildFunction("ingest", { write: false });
  const packages = packagesIn(bundle.metafile);
  expect(packages).toContain("@aws-sdk/client-sqs");
  expect(packages).not.toContain("@aws-sdk/client-dynamodb");
  expect(packages).not.toContain("@aws-sdk/client-sns");
});

it("no function carries prom-client: deployed, metrics are log lines (EMF)", async () => {
  for (const name of functionNames()) {
    const bundle = await buildFunction(name, { write: false });
    expect(packagesIn(bundle.metafile), name).not.toContain("prom-client");
  }
});
