/**
 * What `sst deploy --stage production` keeps, and what any other stage does not: SST's `removal`
 * and `protect`, table deletion protection, and what production retains when a change removes or
 * replaces it. Also the outputs a deploy prints.
 */
import { describe, expect, inject, it } from "vitest";
import { Deployment } from "./support/deployment.ts";

const dev = new Deployment(inject("dev"));
const production = new Deployment(inject("production"));

describe("production", () => {
  it("refuses `sst remove` and keeps its data through it", () => {
    expect(production.app).toMatchObject({ removal: "retain", protect: true });
    expect(production.outputs._protect).toBe(true);
  });

  it("protects the table from deletion", () => {
    const table = production.childOf<aws.dynamodb.TableArgs>("Table", "aws:dynamodb/table:Table");
    expect(table.inputs.deletionProtectionEnabled).toBe(true);
  });

  it("keeps the table, the dead-letter queues and the Alerts topic when a change removes or replaces them", () => {
    const kept = [
      production.childOf("Table", "aws:dynamodb/table:Table"),
      ...production.deadLetterQueues(),
      production.childOf("Alerts", "aws:sns/topic:Topic"),
    ];
    expect(kept.map((r) => r.name)).toContain("EventsDlqQueue");
    const retained = production.evaluation.resources.filter((r) => r.retainOnDelete);
    expect(retained.map((r) => r.name).sort()).toEqual(kept.map((r) => r.name).sort());
  });
});

describe("any other stage", () => {
  it("is removed entirely by `sst remove`", () => {
    expect(dev.app).toMatchObject({ removal: "remove", protect: false });
    expect(dev.evaluation.resources.filter((r) => r.retainOnDelete)).toEqual([]);
    const table = dev.childOf<aws.dynamodb.TableArgs>("Table", "aws:dynamodb/table:Table");
    expect(table.inputs.deletionProtectionEnabled).toBe(false);
  });
});

describe("outputs", () => {
  it("give the webhook URL for StackOne, the admin API's URL and the alerts topic", () => {
    const api = dev.childOf("Api", "aws:apigatewayv2/api:Api");
    const alerts = dev.childOf("Alerts", "aws:sns/topic:Topic");
    const ingestUrl = dev.childOf("Ingest", "aws:lambda/functionUrl:FunctionUrl");
    expect(dev.outputs).toMatchObject({
      webhookUrl: `${ingestUrl.state.functionUrl}webhooks/stackone`,
      apiUrl: api.state.apiEndpoint,
      alertsTopicArn: alerts.state.arn,
    });
  });
});
