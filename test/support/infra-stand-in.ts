/**
 * A recording stand-in for the SST globals declared in infra/sst-globals.d.ts. The `sst` CLI
 * cannot run here (it downloads Pulumi), so the tests install this on globalThis, evaluate
 * sst.config.ts, and inspect what it asked SST to create.
 *
 * Deploy-time values (ARNs, URLs, names) are tokens like `{Events.arn}`, so a test can follow a
 * reference from one resource to another.
 */

type Named = { name: string };

export type Recording = {
  secrets: (Named & { placeholder: string | undefined })[];
  functions: (Named & { args: sst.aws.FunctionArgs; arn: string; functionName: string })[];
  tables: (Named & { args: sst.aws.DynamoArgs })[];
  queues: (Named & {
    args: sst.aws.QueueArgs;
    arn: string;
    url: string;
    queueName: string;
    subscriptions: { subscriber: unknown; args: sst.aws.QueueSubscriberArgs | undefined }[];
  })[];
  topics: (Named & {
    arn: string;
    subscriptions: (Named & {
      subscriber: unknown;
      args: sst.aws.SnsTopicSubscriberArgs | undefined;
    })[];
  })[];
  apis: (Named & {
    args: sst.aws.ApiGatewayV2Args | undefined;
    url: string;
    routes: { route: string; handler: unknown }[];
  })[];
  crons: (Named & { args: sst.aws.CronArgs })[];
  queuePolicies: (Named & { args: { queueUrl: unknown; policy: unknown } })[];
  topicSubscriptions: (Named & { args: { topic: unknown; protocol: string; endpoint: string } })[];
  alarms: (Named & { args: aws.cloudwatch.MetricAlarmArgs })[];
  /** The component name of anything passed in a `link` list. */
  nameOf(component: unknown): string;
};

const token = (name: string, property: string) => `{${name}.${property}}`;

export function installSstStandIn(): Recording {
  const names = new WeakMap<object, string>();
  const recording: Recording = {
    secrets: [],
    functions: [],
    tables: [],
    queues: [],
    topics: [],
    apis: [],
    crons: [],
    queuePolicies: [],
    topicSubscriptions: [],
    alarms: [],
    nameOf(component) {
      const name = typeof component === "object" && component !== null && names.get(component);
      if (!name) throw new Error(`not an SST component: ${String(component)}`);
      return name;
    },
  };
  const taken = new Set<string>();
  function claim(component: object, name: string) {
    // SST refuses two components with one name; so does the stand-in.
    if (taken.has(name)) throw new Error(`two components are named ${name}`);
    taken.add(name);
    names.set(component, name);
  }

  class Secret {
    readonly name: string;
    readonly value: string;
    constructor(name: string, placeholder?: string) {
      claim(this, name);
      this.name = token(name, "name");
      this.value = token(name, "value");
      recording.secrets.push({ name, placeholder });
    }
  }

  class FunctionStandIn {
    readonly name: string;
    readonly arn: string;
    constructor(name: string, args: sst.aws.FunctionArgs) {
      claim(this, name);
      this.name = token(name, "name");
      this.arn = token(name, "arn");
      recording.functions.push({ name, args, arn: this.arn, functionName: this.name });
    }
  }

  class Dynamo {
    readonly name: string;
    readonly arn: string;
    constructor(name: string, args: sst.aws.DynamoArgs) {
      claim(this, name);
      this.name = token(name, "name");
      this.arn = token(name, "arn");
      recording.tables.push({ name, args });
    }
  }

  class Queue {
    readonly arn: string;
    readonly url: string;
    readonly nodes: { queue: { name: string } };
    private readonly record: Recording["queues"][number];
    constructor(name: string, args: sst.aws.QueueArgs = {}) {
      claim(this, name);
      this.arn = token(name, "arn");
      this.url = token(name, "url");
      this.nodes = { queue: { name: token(name, "queueName") } };
      this.record = {
        name,
        args,
        arn: this.arn,
        url: this.url,
        queueName: this.nodes.queue.name,
        subscriptions: [],
      };
      recording.queues.push(this.record);
    }
    subscribe(subscriber: unknown, args?: sst.aws.QueueSubscriberArgs) {
      // An SQS queue takes one Lambda subscriber; SST throws on a second.
      if (this.record.subscriptions.length > 0)
        throw new Error(`${this.record.name}: 2 subscribers`);
      this.record.subscriptions.push({ subscriber, args });
    }
  }

  class SnsTopic {
    readonly arn: string;
    readonly name: string;
    private readonly record: Recording["topics"][number];
    constructor(name: string) {
      claim(this, name);
      this.arn = token(name, "arn");
      this.name = token(name, "name");
      this.record = { name, arn: this.arn, subscriptions: [] };
      recording.topics.push(this.record);
    }
    subscribe(name: string, subscriber: unknown, args?: sst.aws.SnsTopicSubscriberArgs) {
      this.record.subscriptions.push({ name, subscriber, args });
    }
  }

  class ApiGatewayV2 {
    readonly url: string;
    private readonly record: Recording["apis"][number];
    constructor(name: string, args?: sst.aws.ApiGatewayV2Args) {
      claim(this, name);
      this.url = token(name, "url");
      this.record = { name, args, url: this.url, routes: [] };
      recording.apis.push(this.record);
    }
    route(route: string, handler: unknown) {
      if (this.record.routes.some((r) => r.route === route)) throw new Error(`duplicate ${route}`);
      this.record.routes.push({ route, handler });
    }
  }

  class Cron {
    constructor(name: string, args: sst.aws.CronArgs) {
      claim(this, name);
      recording.crons.push({ name, args });
    }
  }

  class QueuePolicy {
    constructor(name: string, args: Recording["queuePolicies"][number]["args"]) {
      claim(this, name);
      recording.queuePolicies.push({ name, args });
    }
  }

  class TopicSubscription {
    constructor(name: string, args: Recording["topicSubscriptions"][number]["args"]) {
      claim(this, name);
      recording.topicSubscriptions.push({ name, args });
    }
  }

  class MetricAlarm {
    constructor(name: string, args: aws.cloudwatch.MetricAlarmArgs) {
      claim(this, name);
      recording.alarms.push({ name, args });
    }
  }

  Object.assign(globalThis, {
    $config: (config: SstConfig) => config,
    $interpolate: (literals: TemplateStringsArray, ...placeholders: unknown[]) =>
      literals.reduce(
        (text, literal, i) =>
          text + literal + (i < placeholders.length ? String(placeholders[i]) : ""),
        "",
      ),
    $jsonStringify: (value: unknown) => JSON.stringify(value),
    sst: {
      Secret,
      aws: { Function: FunctionStandIn, Dynamo, Queue, SnsTopic, ApiGatewayV2, Cron },
    },
    aws: {
      sqs: { QueuePolicy },
      sns: { TopicSubscription },
      cloudwatch: { MetricAlarm },
    },
  });
  return recording;
}

/** What SST sets from `app()` before it calls `run()`. */
export function setApp(app: SstAppConfig, stage: string) {
  Object.assign(globalThis, {
    $app: {
      name: app.name,
      stage,
      removal: app.removal ?? "retain",
      protect: app.protect ?? false,
    },
  });
}
