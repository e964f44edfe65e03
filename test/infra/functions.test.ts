/**
 * Every Lambda function as SST deploys it: which code, which runtime and limits, which links, and
 * what its role lets it do in AWS.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, inject, it, vi } from "vitest";
import { FUNCTIONS_DIR, functionNames } from "../../scripts/build.ts";
import { Deployment } from "./support/deployment.ts";
import { linkedNamesRead } from "./support/linked-names-read.ts";

const dev = new Deployment(inject("dev"));

/**
 * What each function's code does in AWS: IAM actions, by the component they act on. A role that
 * lacks one fails the function with AccessDenied the first time it tries. A new function needs
 * its entry here (the test below names it). Batch calls are authorized as their single action
 * (SendMessageBatch as sqs:SendMessage, PublishBatch as sns:Publish); Lambda polls the events
 * queue for the processor with the processor's role.
 */
const TABLE_CALLS = [
  "dynamodb:GetItem",
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:Query",
];
const AWS_CALLS: Record<string, Record<string, string[]>> = {
  "functions/ingest.handler": { Events: ["sqs:SendMessage"] },
  "functions/process.handler": {
    Events: [
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:ChangeMessageVisibility",
      "sqs:GetQueueAttributes",
    ],
    Table: TABLE_CALLS,
    Alerts: ["sns:Publish"],
  },
  "functions/sweep.handler": { Table: TABLE_CALLS, Alerts: ["sns:Publish"] },
  // On-call actions publish the notices they decide (a resolve, a mute ended early).
  "functions/api.handler": {
    Table: TABLE_CALLS,
    Alerts: [
      "sns:Subscribe",
      "sns:Unsubscribe",
      "sns:GetSubscriptionAttributes",
      "sns:SetSubscriptionAttributes",
      "sns:Publish",
    ],
  },
  // The cursor lives in the table; logs are enqueued as ingest enqueues webhooks.
  "functions/poll-request-logs.handler": {
    Table: ["dynamodb:GetItem", "dynamodb:PutItem"],
    Events: ["sqs:SendMessage"],
  },
  // Lambda sends an event the function failed on to its dead-letter queue with the function's role.
  "functions/notify-slack.handler": { Table: TABLE_CALLS, NotifySlackDlq: ["sqs:SendMessage"] },
  "functions/notify-webhook.handler": { Table: TABLE_CALLS, NotifyWebhookDlq: ["sqs:SendMessage"] },
  "functions/notify-pagerduty.handler": {
    Table: TABLE_CALLS,
    NotifyPagerdutyDlq: ["sqs:SendMessage"],
  },
};

/** Functions a flood of webhooks or admin calls must not starve: they get reserved concurrency. */
const RESERVED = [
  // Ingest's reserved concurrency is its throttle (its function URL has no API Gateway in front).
  "functions/ingest.handler",
  "functions/process.handler",
  "functions/notify-slack.handler",
  "functions/notify-webhook.handler",
  "functions/notify-pagerduty.handler",
];

/**
 * The ARNs one call reaches: a query the table and its indexes, any other call the component's
 * own ARN (an item operation on an index is not a thing).
 */
function reachedBy(component: string, action: string): string[] {
  const [arn, ...indexes] = arnsOf(component);
  return action === "dynamodb:Query" ? [String(arn), ...indexes] : [String(arn)];
}

/** "functions/notify-slack.handler" -> { file: "notify-slack", exportName: "handler" } */
function parseHandler(handler: string) {
  const match = /^functions\/([a-z0-9-]+)\.([A-Za-z_$][\w$]*)$/.exec(handler);
  if (match === null) throw new Error(`not a functions/<file>.<export> handler: ${handler}`);
  return { file: String(match[1]), exportName: String(match[2]) };
}

/** The ARNs a call on a component reaches: a table's indexes too, for queries on them. */
function arnsOf(component: string): string[] {
  const [resource] = dev.evaluation.resources.filter(
    (r) => r.parent === component && typeof r.state.arn === "string" && r.type.startsWith("aws:"),
  );
  if (resource === undefined) throw new Error(`${component} has no AWS resource with an ARN`);
  const arn = String(resource.state.arn);
  const indexes = (resource.inputs.globalSecondaryIndexes ?? []) as { name: string }[];
  return [arn, ...indexes.map((index) => `${arn}/index/${index.name}`)];
}

describe("functions", () => {
  it("deploy every entry point in functions/, each once", () => {
    const deployed = dev.functions().map((f) => parseHandler(f.build.handler).file);
    // notify-email is deployed only with EMAIL_FROM (email.test.ts).
    expect(deployed.sort()).toEqual(functionNames().filter((name) => name !== "notify-email"));
  });

  it("point at modules that export their handler", async () => {
    // What a handler may read while loading; nothing is called.
    vi.stubEnv("AWS_REGION", "us-east-1");
    for (const fn of dev.functions()) {
      const { file, exportName } = parseHandler(fn.build.handler);
      const path = join(FUNCTIONS_DIR, `${file}.ts`);
      expect.soft(existsSync(path), path).toBe(true);
      if (!existsSync(path)) continue;
      const module = (await import(path)) as Record<string, unknown>;
      expect.soft(typeof module[exportName], `${file}.${exportName}`).toBe("function");
    }
    vi.unstubAllEnvs();
  });

  it("run Node 22 on arm64 with their own memory and timeout, and keep logs a month", () => {
    for (const fn of dev.functions()) {
      expect(fn.lambda.inputs, fn.name).toMatchObject({
        runtime: "nodejs22.x",
        architectures: ["arm64"],
      });
      expect(fn.lambda.inputs.memorySize, fn.name).toBeGreaterThanOrEqual(512);
      expect(fn.lambda.inputs.timeout, fn.name).toBeGreaterThan(0);
      const logs = dev.childOf<aws.cloudwatch.LogGroupArgs>(
        fn.name,
        "aws:cloudwatch/logGroup:LogGroup",
      );
      expect(fn.lambda.inputs.loggingConfig?.logGroup, fn.name).toBe(logs.inputs.name);
      expect(logs.inputs.retentionInDays, fn.name).toBe(30);
    }
  });

  it("link exactly the resources their code reads", async () => {
    for (const fn of dev.functions()) {
      const { file } = parseHandler(fn.build.handler);
      expect.soft(fn.build.links, `${file}: links vs reads`).toEqual(await linkedNamesRead(file));
    }
  });

  it("may make every AWS call their code makes, and nothing else: no link-wide grant", () => {
    for (const fn of dev.functions()) {
      const calls = AWS_CALLS[fn.build.handler] ?? {};
      const expected = Object.entries(calls).flatMap(([component, actions]) =>
        actions.flatMap((action) => reachedBy(component, action).map((arn) => `${action} ${arn}`)),
      );
      const granted = fn.statements.flatMap((s) =>
        s.Effect === "Allow" ? s.Action.flatMap((a) => s.Resource.map((r) => `${a} ${r}`)) : [],
      );
      expect(granted.sort(), fn.name).toEqual(expected.sort());
    }
  });

  it("give the processor and the notifiers reserved concurrency, so a flood cannot starve them", () => {
    for (const fn of dev.functions()) {
      const reserved = fn.lambda.inputs.reservedConcurrentExecutions;
      if (RESERVED.includes(fn.build.handler)) expect(reserved, fn.name).toBeGreaterThan(0);
      else expect(reserved, fn.name).toBeUndefined();
    }
  });

  it("may act only on resources of this app, never on *", () => {
    const arns = dev.evaluation.resources.flatMap((r) =>
      typeof r.state.arn === "string" ? [r.state.arn] : [],
    );
    for (const fn of dev.functions()) {
      expect(fn.statements.length, fn.name).toBeGreaterThan(0);
      for (const resource of fn.statements.flatMap((s) => s.Resource)) {
        const ours = arns.some((arn) => resource === arn || resource.startsWith(`${arn}/`));
        expect.soft(ours, `${fn.name}: ${resource}`).toBe(true);
      }
    }
  });

  it("can be assumed by Lambda, and by nothing else", () => {
    for (const fn of dev.functions()) {
      const role = dev.childOf<aws.iam.RoleArgs>(fn.name, "aws:iam/role:Role");
      expect(fn.lambda.inputs.role).toBe(role.state.arn);
      const trust = JSON.parse(String(role.inputs.assumeRolePolicy)) as { Statement: unknown[] };
      expect(trust.Statement, fn.name).toEqual([
        {
          Effect: "Allow",
          Action: "sts:AssumeRole",
          Principal: { Service: "lambda.amazonaws.com" },
        },
      ]);
    }
  });
});
