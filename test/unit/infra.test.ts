/**
 * The infrastructure definition, verified without the SST CLI: sst.config.ts and infra/ are
 * evaluated against a recording stand-in for SST's globals (test/infra-stand-in.ts), and the
 * recording is checked against the code it deploys.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { buildFunction, functionNames, packagesIn, ROOT } from "../../scripts/build.ts";
import { TABLE } from "../../shared/adapters/aws/table.ts";
import { BUILTIN_RULES } from "../../shared/quirks/catalog.ts";
import { linkedNamesRead } from "../support/infra-reads.ts";
import { installSstStandIn, type Recording, setApp } from "../support/infra-stand-in.ts";

type Evaluated = {
  app: SstAppConfig;
  outputs: Record<string, unknown> | undefined;
  recording: Recording;
};

/** Evaluates sst.config.ts for a stage, as `sst deploy --stage <stage>` would. */
async function evaluate(stage: string, env: Record<string, string> = {}): Promise<Evaluated> {
  // The deploy-time settings, unset ("") unless a test sets them, whatever the shell exports.
  const settings = {
    QUIRKWATCH_OPS_EMAIL: "",
    REAUTH_URL_TEMPLATE: "",
    QUIRKWATCH_RULES: "",
    STACKONE_POLL_SECONDS: "",
    STACKONE_API_URL: "",
    STACKONE_POLL_OVERLAP_SECONDS: "",
    ...env,
  };
  for (const [name, value] of Object.entries(settings)) vi.stubEnv(name, value);
  // Fresh modules: the infra files run their definitions when first imported.
  vi.resetModules();
  const recording = installSstStandIn();
  const { default: config } = await import("../../sst.config.ts");
  const app = config.app({ stage });
  setApp(app, stage);
  const outputs = await config.run();
  return { app, outputs, recording };
}

afterEach(() => {
  vi.unstubAllEnvs();
});

function functionByHandler(recording: Recording, handler: string) {
  const fn = recording.functions.find((f) => f.args.handler === handler);
  if (fn === undefined) throw new Error(`no function deploys ${handler}`);
  return fn;
}

function functionByArn(recording: Recording, arn: unknown) {
  const fn = recording.functions.find((f) => f.arn === arn);
  if (fn === undefined) throw new Error(`no function has the ARN ${String(arn)}`);
  return fn;
}

function queueByArn(recording: Recording, arn: unknown) {
  const queue = recording.queues.find((q) => q.arn === arn);
  if (queue === undefined) throw new Error(`no queue has the ARN ${String(arn)}`);
  return queue;
}

function topic(recording: Recording, name: string) {
  const found = recording.topics.find((t) => t.name === name);
  if (found === undefined) throw new Error(`no topic ${name}`);
  return found;
}

/** "functions/notify-slack.handler" -> { file: "notify-slack", exportName: "handler" } */
function parseHandler(handler: string) {
  const match = /^functions\/([a-z0-9-]+)\.([A-Za-z_$][\w$]*)$/.exec(handler);
  if (match === null) throw new Error(`not a functions/<file>.<export> handler: ${handler}`);
  return { file: String(match[1]), exportName: String(match[2]) };
}

function seconds(duration: string | undefined): number {
  const match = /^(\d+) (second|seconds|minute|minutes)$/.exec(duration ?? "");
  if (match === null) throw new Error(`not a duration in seconds or minutes: ${duration}`);
  return Number(match[1]) * (match[2]?.startsWith("minute") ? 60 : 1);
}

function linkNames(recording: Recording, fn: Recording["functions"][number]): string[] {
  return (fn.args.link as unknown[]).map((component) => recording.nameOf(component)).sort();
}

/** The dead-letter queue a redrive policy (JSON text) points at. */
function redriveTarget(redrivePolicy: unknown): unknown {
  return (JSON.parse(String(redrivePolicy)) as { deadLetterTargetArn: unknown })
    .deadLetterTargetArn;
}

describe("stages", () => {
  it("production retains and protects its data", async () => {
    const { app, recording } = await evaluate("production");
    expect(app).toMatchObject({
      name: "quirkwatch",
      home: "aws",
      removal: "retain",
      protect: true,
    });
    expect(recording.tables[0]?.args.deletionProtection).toBe(true);
  });

  it.each(["dev", "staging", "pr-42"])(
    "%s is disposable: removed, not protected",
    async (stage) => {
      const { app, recording } = await evaluate(stage);
      expect(app).toMatchObject({ removal: "remove", protect: false });
      expect(recording.tables[0]?.args.deletionProtection).toBe(false);
    },
  );

  it("outputs the webhook URL to give StackOne, the API URL and the alerts topic", async () => {
    const { outputs, recording } = await evaluate("dev");
    const api = recording.apis[0];
    expect(outputs).toEqual({
      webhookUrl: `${api?.url}/webhooks/stackone`,
      apiUrl: api?.url,
      alertsTopicArn: topic(recording, "Alerts").arn,
    });
  });
});

describe("functions", () => {
  let recording: Recording;
  beforeAll(async () => {
    ({ recording } = await evaluate("dev"));
  });

  it("run Node 22 on arm64 with explicit memory, timeout and log retention", () => {
    expect(recording.functions.length).toBeGreaterThan(0);
    for (const fn of recording.functions) {
      expect(fn.args, fn.name).toMatchObject({ runtime: "nodejs22.x", architecture: "arm64" });
      expect(fn.args.memory, fn.name).toMatch(/^\d+ MB$/);
      expect(seconds(fn.args.timeout), fn.name).toBeGreaterThan(0);
      expect(fn.args.logging, fn.name).toMatchObject({ retention: expect.any(String) });
    }
  });

  it("deploy every entry point in functions/, each once", () => {
    const deployed = recording.functions.map((f) => parseHandler(f.args.handler).file).sort();
    expect(deployed).toEqual(functionNames());
  });

  it("point at modules that export their handler", async () => {
    // What a handler may read while loading; nothing is called.
    vi.stubEnv("AWS_REGION", "us-east-1");
    vi.stubEnv("TABLE_NAME", "quirkwatch-test");
    vi.stubEnv("QUEUE_URL", "https://sqs.us-east-1.amazonaws.com/000000000000/quirkwatch-test");
    vi.stubEnv("ALERTS_TOPIC_ARN", "arn:aws:sns:us-east-1:000000000000:quirkwatch-test");
    for (const fn of recording.functions) {
      const { file, exportName } = parseHandler(fn.args.handler);
      const path = join(ROOT, "functions", `${file}.ts`);
      expect.soft(existsSync(path), path).toBe(true);
      if (!existsSync(path)) continue;
      const module = (await import(path)) as Record<string, unknown>;
      expect.soft(typeof module[exportName], `${file}.${exportName}`).toBe("function");
    }
  });

  it("link exactly the resources their code reads", async () => {
    for (const fn of recording.functions) {
      const { file } = parseHandler(fn.args.handler);
      // A missing file fails the test above.
      if (!existsSync(join(ROOT, "functions", `${file}.ts`))) continue;
      expect
        .soft(linkNames(recording, fn), `${file}: links vs Resource reads`)
        .toEqual(await linkedNamesRead(file));
    }
  });

  it("read only resources and secrets that the app defines", async () => {
    const defined = new Set(
      [...recording.secrets, ...recording.tables, ...recording.queues, ...recording.topics].map(
        (c) => c.name,
      ),
    );
    for (const file of functionNames()) {
      for (const name of await linkedNamesRead(file)) {
        expect(defined.has(name), `${file} reads Resource.${name}`).toBe(true);
      }
    }
  });
});

describe("secrets", () => {
  it("require the StackOne signing secret and the admin token; the rest are optional", async () => {
    const { recording } = await evaluate("dev");
    const placeholders = Object.fromEntries(recording.secrets.map((s) => [s.name, s.placeholder]));
    expect(placeholders).toEqual({
      StackoneWebhookSecret: undefined,
      StackoneWebhookSecretPrevious: "",
      GenericWebhookSecret: "",
      SlackWebhookUrl: "",
      AdminToken: undefined,
      StackoneApiKey: "",
    });
  });
});

describe("api", () => {
  it("routes each endpoint to its handler, and nothing else", async () => {
    const { recording } = await evaluate("dev");
    expect(recording.apis).toHaveLength(1);
    const routes = Object.fromEntries(
      (recording.apis[0]?.routes ?? []).map((r) => [
        r.route,
        functionByArn(recording, r.handler).args.handler,
      ]),
    );
    expect(routes).toEqual({
      "POST /webhooks/{source}": "functions/ingest.handler",
      "GET /": "functions/api.handler",
      "GET /incidents": "functions/api.handler",
      "GET /incidents/{id}": "functions/api.handler",
      "POST /incidents/{id}/acknowledge": "functions/api.handler",
      "POST /incidents/{id}/mute": "functions/api.handler",
      "DELETE /incidents/{id}/mute": "functions/api.handler",
      "POST /incidents/{id}/resolve": "functions/api.handler",
      "GET /accounts/{account_id}": "functions/api.handler",
      "POST /mutes": "functions/api.handler",
      "GET /mutes": "functions/api.handler",
      "DELETE /mutes/{id}": "functions/api.handler",
      "POST /subscriptions": "functions/api.handler",
      "GET /subscriptions": "functions/api.handler",
      "PATCH /subscriptions/{id}": "functions/api.handler",
      "DELETE /subscriptions/{id}": "functions/api.handler",
      "POST /subscriptions/{id}/test": "functions/api.handler",
    });
  });

  it("serves every admin route the API function implements, and only those", async () => {
    const { recording } = await evaluate("dev");
    const routed = (recording.apis[0]?.routes ?? [])
      .filter((r) => functionByArn(recording, r.handler).args.handler === "functions/api.handler")
      .map((r) => r.route);
    const { ROUTES } = (await import("../../functions/api.ts")) as {
      ROUTES: Record<string, unknown>;
    };
    expect(routed.sort()).toEqual(Object.keys(ROUTES).sort());
  });
});

describe("dashboard", () => {
  it("is built and shipped in the API function, which learns where it is and the re-auth link", async () => {
    const template = "https://app.example.com/integrations/{account_id}/reconnect";
    rmSync(join(ROOT, "dist/page"), { recursive: true, force: true });
    const { recording } = await evaluate("dev", { REAUTH_URL_TEMPLATE: template });
    const api = functionByHandler(recording, "functions/api.handler");
    expect(api.args.copyFiles).toEqual([{ from: "dist/page/index.html", to: "page/index.html" }]);
    expect(api.args.environment).toEqual({
      QUIRKWATCH_PAGE_DIR: "/var/task/page",
      REAUTH_URL_TEMPLATE: template,
    });
    const page = readFileSync(join(ROOT, "dist/page/index.html"), "utf8");
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toMatch(/Content-Security-Policy/);
  });
});

describe("storage", () => {
  it("builds the table from TABLE: keys, indexes and TTL", async () => {
    const { recording } = await evaluate("dev");
    expect(recording.tables).toHaveLength(1);
    const table = recording.tables[0];
    expect(table?.name).toBe("Table");
    expect(table?.args).toMatchObject({
      fields: TABLE.fields,
      primaryIndex: TABLE.primaryIndex,
      globalIndexes: TABLE.globalIndexes,
      ttl: TABLE.ttl,
    });
  });
});

describe("events queue", () => {
  let recording: Recording;
  beforeAll(async () => {
    ({ recording } = await evaluate("dev"));
  });

  const events = () => {
    const queue = recording.queues.find((q) => q.name === "Events");
    if (queue === undefined) throw new Error("no Events queue");
    return queue;
  };

  it("sets an event aside in its dead-letter queue after 5 receives", () => {
    const dlq = events().args.dlq as { queue: unknown; retry: number };
    expect(dlq.retry).toBe(5);
    expect(queueByArn(recording, dlq.queue).name).toBe("EventsDlq");
  });

  it("is consumed by the processor in batches of 100, a few seconds' window, partial failures", () => {
    const [subscription, ...others] = events().subscriptions;
    expect(others).toEqual([]);
    expect(functionByArn(recording, subscription?.subscriber).args.handler).toBe(
      "functions/process.handler",
    );
    const batch = subscription?.args?.batch;
    expect(batch).toMatchObject({ size: 100, partialResponses: true });
    expect(seconds(batch?.window)).toBeGreaterThanOrEqual(1);
    expect(seconds(batch?.window)).toBeLessThanOrEqual(10);
  });

  it("hides a message for at least 6x the processor's timeout plus the batch window", () => {
    const processor = functionByHandler(recording, "functions/process.handler");
    const window = seconds(events().subscriptions[0]?.args?.batch?.window);
    expect(seconds(events().args.visibilityTimeout)).toBeGreaterThanOrEqual(
      6 * seconds(processor.args.timeout) + window,
    );
  });

  it("lets the processor, subscribed by ARN, receive and delete its messages", () => {
    const processor = functionByHandler(recording, "functions/process.handler");
    const granted = (processor.args.permissions ?? []).filter((p) =>
      (p.resources as unknown[]).includes(events().arn),
    );
    expect(granted.flatMap((p) => p.actions)).toEqual(
      expect.arrayContaining(["sqs:ReceiveMessage", "sqs:DeleteMessage"]),
    );
  });
});

describe("custom rules", () => {
  it("ships a valid rules file inside the processor's package", async () => {
    const dir = mkdtempSync(join(tmpdir(), "quirkwatch-rules-"));
    const file = join(dir, "rules.json");
    writeFileSync(file, JSON.stringify([{ id: BUILTIN_RULES[0]?.id }]));
    const { recording } = await evaluate("dev", { QUIRKWATCH_RULES: file });
    const processor = functionByHandler(recording, "functions/process.handler");
    expect(processor.args.copyFiles).toEqual([{ from: file, to: "quirkwatch.rules.json" }]);
    expect(processor.args.environment).toEqual({
      QUIRKWATCH_RULES: "/var/task/quirkwatch.rules.json",
    });
  });

  it("fails the deploy on an invalid rules file, naming the problem", async () => {
    const dir = mkdtempSync(join(tmpdir(), "quirkwatch-rules-"));
    const file = join(dir, "rules.json");
    writeFileSync(file, JSON.stringify([{ alert: {} }]));
    await expect(evaluate("dev", { QUIRKWATCH_RULES: file })).rejects.toThrow(/id/);
  });

  it("fails the deploy when QUIRKWATCH_RULES names a missing file", async () => {
    await expect(
      evaluate("dev", { QUIRKWATCH_RULES: join(tmpdir(), "no-such-quirkwatch-rules.json") }),
    ).rejects.toThrow(/QUIRKWATCH_RULES/);
  });

  it("ships nothing extra without a rules file", async () => {
    const { recording } = await evaluate("dev");
    const processor = functionByHandler(recording, "functions/process.handler");
    expect(processor.args.copyFiles).toBeUndefined();
  });
});

describe("alerts", () => {
  let recording: Recording;
  beforeAll(async () => {
    ({ recording } = await evaluate("dev"));
  });

  it.each(["functions/notify-slack.handler", "functions/notify-webhook.handler"])(
    "%s is subscribed to Alerts with its own dead-letter queue",
    (handler) => {
      const fn = functionByHandler(recording, handler);
      const alerts = topic(recording, "Alerts");
      const subscriptions = alerts.subscriptions.filter((s) => s.subscriber === fn.arn);
      expect(subscriptions).toHaveLength(1);
      // SNS publishes a notice once per audience: the notifier takes the internal message only.
      expect(subscriptions[0]?.args?.filter).toEqual({ audience: ["internal"] });

      // SNS failing to invoke the function...
      const redrive = subscriptions[0]?.args?.transform?.subscription;
      const dlq = queueByArn(
        recording,
        redriveTarget(typeof redrive === "object" ? redrive.redrivePolicy : undefined),
      );
      // ...and the function failing after Lambda's retries land in the same queue,
      const fnTransform = fn.args.transform?.function;
      expect(typeof fnTransform === "object" && fnTransform.deadLetterConfig).toEqual({
        targetArn: dlq.arn,
      });
      expect(fn.args.permissions).toContainEqual({
        actions: ["sqs:SendMessage"],
        resources: [dlq.arn],
      });
      // ...which no other subscriber shares,
      const otherTargets = alerts.subscriptions
        .filter((s) => s.subscriber !== fn.arn)
        .map((s) => {
          const t = s.args?.transform?.subscription;
          return redriveTarget(typeof t === "object" ? t.redrivePolicy : undefined);
        });
      expect(otherTargets).not.toContain(dlq.arn);
      // ...and which lets SNS send to it on behalf of Alerts only.
      const policy = recording.queuePolicies.find((p) => p.args.queueUrl === dlq.url);
      expect(JSON.parse(String(policy?.args.policy))).toMatchObject({
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "sns.amazonaws.com" },
            Action: "sqs:SendMessage",
            Resource: dlq.arn,
            Condition: { ArnEquals: { "aws:SourceArn": alerts.arn } },
          },
        ],
      });
    },
  );

  it("subscribes an ops email only when QUIRKWATCH_OPS_EMAIL is set", async () => {
    expect(recording.topicSubscriptions).toEqual([]);
    const withEmail = await evaluate("dev", { QUIRKWATCH_OPS_EMAIL: "oncall@example.com" });
    expect(withEmail.recording.topicSubscriptions).toEqual([
      {
        name: "OpsEmail",
        args: {
          topic: topic(withEmail.recording, "Ops").arn,
          protocol: "email",
          endpoint: "oncall@example.com",
        },
      },
    ]);
  });

  it("passes REAUTH_URL_TEMPLATE to the Slack notifier when set at deploy time", async () => {
    const template = "https://app.example.com/integrations/{account_id}/reconnect";
    const { recording: withTemplate } = await evaluate("dev", { REAUTH_URL_TEMPLATE: template });
    expect(
      functionByHandler(withTemplate, "functions/notify-slack.handler").args.environment,
    ).toEqual({ REAUTH_URL_TEMPLATE: template });
    expect(functionByHandler(recording, "functions/notify-slack.handler").args.environment).toEqual(
      {},
    );
  });
});

function cronOf(recording: Recording, handler: string) {
  const fn = functionByHandler(recording, handler);
  const crons = recording.crons.filter((c) => c.args.function === fn.arn);
  expect(crons, handler).toHaveLength(1);
  return crons[0];
}

describe("sweeper", () => {
  it("runs every 5 minutes", async () => {
    const { recording } = await evaluate("dev");
    expect(cronOf(recording, "functions/sweep.handler")?.args.schedule).toBe("rate(5 minutes)");
  });
});

describe("request-log poller", () => {
  const POLLER = "functions/poll-request-logs.handler";

  it("runs every STACKONE_POLL_SECONDS, in whole minutes, every minute by default", async () => {
    const { recording } = await evaluate("dev");
    expect(cronOf(recording, POLLER)?.args.schedule).toBe("rate(1 minute)");
    const schedules: [string, string][] = [
      ["60", "rate(1 minute)"],
      ["90", "rate(2 minutes)"],
      ["300", "rate(5 minutes)"],
      ["20", "rate(1 minute)"],
    ];
    for (const [every, schedule] of schedules) {
      const { recording: r } = await evaluate("dev", { STACKONE_POLL_SECONDS: every });
      expect(cronOf(r, POLLER)?.args.schedule, every).toBe(schedule);
    }
  });

  it("fails the deploy on a poll interval that is not a number of seconds", async () => {
    await expect(evaluate("dev", { STACKONE_POLL_SECONDS: "1m" })).rejects.toThrow(
      /STACKONE_POLL_SECONDS/,
    );
  });

  it("reads its key from an optional secret and ends a run within its timeout", async () => {
    const { recording } = await evaluate("dev");
    const poller = functionByHandler(recording, POLLER);
    expect(linkNames(recording, poller)).toEqual(["Events", "StackoneApiKey", "Table"]);
    expect(seconds(poller.args.timeout)).toBeGreaterThanOrEqual(60);
    expect(poller.args.environment).toEqual({});
  });

  it("passes the API URL, the overlap and the custom rules on when set", async () => {
    const dir = mkdtempSync(join(tmpdir(), "quirkwatch-rules-"));
    const file = join(dir, "rules.json");
    writeFileSync(file, JSON.stringify([{ id: BUILTIN_RULES[0]?.id }]));
    const { recording } = await evaluate("dev", {
      STACKONE_API_URL: "https://stackone.example",
      STACKONE_POLL_OVERLAP_SECONDS: "300",
      QUIRKWATCH_RULES: file,
    });
    const poller = functionByHandler(recording, POLLER);
    expect(poller.args.environment).toEqual({
      STACKONE_API_URL: "https://stackone.example",
      STACKONE_POLL_OVERLAP_SECONDS: "300",
      QUIRKWATCH_RULES: "/var/task/quirkwatch.rules.json",
    });
    expect(poller.args.copyFiles).toEqual([{ from: file, to: "quirkwatch.rules.json" }]);
  });
});

describe("alarms", () => {
  let recording: Recording;
  beforeAll(async () => {
    ({ recording } = await evaluate("dev"));
  });

  /** Every queue used as a dead-letter queue anywhere in the definition. */
  function deadLetterQueues() {
    const targets = new Set<unknown>();
    for (const queue of recording.queues) {
      const dlq = queue.args.dlq;
      if (dlq !== undefined)
        targets.add(typeof dlq === "object" && "queue" in dlq ? dlq.queue : dlq);
    }
    for (const t of recording.topics) {
      for (const s of t.subscriptions) {
        const redrive = s.args?.transform?.subscription;
        if (typeof redrive === "object") targets.add(redriveTarget(redrive.redrivePolicy));
      }
    }
    return [...targets].map((arn) => queueByArn(recording, arn));
  }

  it("fire on Ops when any dead-letter queue holds a message", () => {
    const ops = topic(recording, "Ops");
    const dlqs = deadLetterQueues();
    expect(dlqs.map((q) => q.name).sort()).toEqual([
      "EventsDlq",
      "NotifySlackDlq",
      "NotifyWebhookDlq",
    ]);
    for (const dlq of dlqs) {
      const alarm = recording.alarms.find((a) => a.args.dimensions.QueueName === dlq.queueName);
      expect(alarm?.args, dlq.name).toMatchObject({
        namespace: "AWS/SQS",
        metricName: "ApproximateNumberOfMessagesVisible",
        threshold: 0,
        comparisonOperator: "GreaterThanThreshold",
        alarmActions: [ops.arn],
      });
    }
  });

  it("fire on Ops when any function errors", () => {
    const ops = topic(recording, "Ops");
    for (const fn of recording.functions) {
      const alarm = recording.alarms.find(
        (a) => a.args.dimensions.FunctionName === fn.functionName,
      );
      expect(alarm?.args, fn.name).toMatchObject({
        namespace: "AWS/Lambda",
        metricName: "Errors",
        statistic: "Sum",
        threshold: 0,
        comparisonOperator: "GreaterThanThreshold",
        alarmActions: [ops.arn],
      });
    }
  });
});

describe("bundles", () => {
  it("ingest carries no DynamoDB or SNS client", async () => {
    const bundle = await buildFunction("ingest", { write: false });
    const packages = packagesIn(bundle.metafile);
    expect(packages).toContain("@aws-sdk/client-sqs");
    expect(packages).not.toContain("@aws-sdk/client-dynamodb");
    expect(packages).not.toContain("@aws-sdk/client-sns");
  });
});
