/**
 * Deliberate mistakes that the infrastructure typecheck must reject. Each is on the line right
 * after a `@ts-expect-error`, so a mistake the types let through is itself an error ("Unused
 * '@ts-expect-error' directive") and fails `npm run test:infra`: the check cannot pass vacuously,
 * for instance if `sst.*` silently became `any`. Never called; add a mistake for each new kind
 * the real types should catch (keep it on one line, or put the directive inside the literal).
 */
export function canary(): void {
  const handler = "functions/ingest.handler";
  const table = new sst.aws.Dynamo("CanaryTable", {
    fields: { pk: "string" },
    primaryIndex: { hashKey: "pk" },
  });
  const queue = new sst.aws.Queue("CanaryQueue");
  const fn = new sst.aws.Function("CanaryFunction", { handler });
  const api = new sst.aws.ApiGatewayV2("CanaryApi");

  // Arguments SST does not take, or takes in another form.
  // @ts-expect-error a wrong argument name: Pulumi's `memorySize`; SST's is `memory`
  new sst.aws.Function("C1", { handler, memorySize: 512 });
  // @ts-expect-error a size without its space: SST wants "512 MB"
  new sst.aws.Function("C2", { handler, memory: "512MB" });
  // @ts-expect-error a duration in a unit SST does not parse
  new sst.aws.Function("C3", { handler, timeout: "30 secs" });
  // @ts-expect-error a log retention CloudWatch does not offer
  new sst.aws.Function("C4", { handler, logging: { retention: "5 weeks" } });
  // @ts-expect-error a link that is not a list
  new sst.aws.Function("C5", { handler, link: table });
  new sst.aws.Function("C6", {
    handler,
    // @ts-expect-error a dead-letter target under the wrong name (Pulumi's is `targetArn`)
    transform: { function: { deadLetterConfig: { arn: queue.arn } } },
  });
  // @ts-expect-error a field type DynamoDB does not have
  new sst.aws.Dynamo("C7", { fields: { pk: "str" }, primaryIndex: { hashKey: "pk" } });
  const indexes = { byPk: { hashKey: "pk", projection: ["a"] } } as const;
  new sst.aws.Dynamo("C8", {
    fields: { pk: "string" },
    primaryIndex: { hashKey: "pk" },
    // @ts-expect-error index projections as readonly tuples (`as const`); SST takes mutable arrays
    globalIndexes: indexes,
  });
  // @ts-expect-error a retry count as text
  new sst.aws.Queue("C9", { dlq: { queue: queue.arn, retry: "5" } });
  // @ts-expect-error a Pulumi queue argument under the wrong name (it is `messageRetentionSeconds`)
  new sst.aws.Queue("C10", { transform: { queue: { messageRetention: 60 } } });
  // @ts-expect-error a schedule EventBridge cannot parse
  new sst.aws.Cron("C11", { function: fn.arn, schedule: "every 5 minutes" });
  // @ts-expect-error CORS as text
  new sst.aws.ApiGatewayV2("C12", { cors: "no" });
  // @ts-expect-error a placeholder that is not text
  new sst.Secret("C13", 42);
  new aws.sns.TopicSubscription("C14", {
    // @ts-expect-error the Pulumi provider's argument is `topic`, not `topicArn`
    topicArn: queue.arn,
    protocol: "email",
    endpoint: "a@example.com",
  });

  // Methods called the wrong way.
  // @ts-expect-error a wrong method signature: Queue.subscribe is (subscriber, args), not SnsTopic's (name, subscriber, args)
  queue.subscribe("CanarySubscriber", fn.arn, { batch: { size: 10 } });
  // @ts-expect-error a batch setting under the wrong name (it is `window`)
  queue.subscribe(fn.arn, { batch: { size: 10, windowSeconds: 5 } });
  // @ts-expect-error route arguments as text
  api.route("GET /canary", fn.arn, "auth");

  // Properties that do not exist.
  // @ts-expect-error a wrong link property: a queue has `url`, not `queueUrl`
  new sst.aws.Function("C15", { handler, environment: { QUEUE_URL: queue.queueUrl } });
  // @ts-expect-error a component SST does not have
  new sst.aws.Quee("C16");
  // @ts-expect-error a misspelt $app property
  new sst.aws.Function("C17", { handler, description: $app.stag });
  $config({
    // @ts-expect-error a removal policy SST does not have
    app: () => ({ name: "canary", home: "aws", removal: "keep" }),
    async run() {},
  });
  // @ts-expect-error a type that is not an SST global (SST's durations are plain template strings)
  const duration: SstDuration = "1 second";
  new sst.aws.Function("C18", { handler, timeout: duration });
}
