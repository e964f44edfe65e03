/**
 * The SST globals that `sst.config.ts` and `infra/` use, declared by hand.
 *
 * SST generates the real declarations in `.sst/platform/config.d.ts` on `sst install`, which
 * downloads Pulumi and cannot run offline. These declarations cover only what Quirkwatch uses,
 * with the property names of SST v4 (component API as in v3) and of the Pulumi AWS provider, so
 * `npx tsc --noEmit` checks the infrastructure code. `test/infra-stand-in.ts` implements the same
 * surface to evaluate the definition in tests.
 */

/** A value now or later (Pulumi `Input`). */
type SstInput<T> = T | Promise<T> | SstOutput<T>;

/** A value known only at deploy time (Pulumi `Output`). */
interface SstOutput<T> {
  apply<U>(callback: (value: T) => SstInput<U>): SstOutput<U>;
}

type SstDuration = `${number} ${"second" | "seconds" | "minute" | "minutes" | "hour" | "hours"}`;
type SstSize = `${number} ${"MB" | "GB"}`;
type SstLogRetention =
  | "1 day"
  | "3 days"
  | "5 days"
  | "1 week"
  | "2 weeks"
  | "1 month"
  | "2 months"
  | "3 months"
  | "6 months"
  | "1 year"
  | "forever";

/** SST's `Transform<T>`: an object merged over the arguments, or a callback that edits them. */
type SstTransform<T> = Partial<T> | ((args: T) => undefined);

interface SstAppConfig {
  name: string;
  home: "aws" | "cloudflare" | "local";
  removal?: "remove" | "retain" | "retain-all";
  protect?: boolean;
  providers?: Record<string, unknown>;
}

interface SstConfig {
  app(input: { stage: string }): SstAppConfig;
  run(): Promise<Record<string, unknown> | undefined>;
}

declare function $config(config: SstConfig): SstConfig;
declare const $app: {
  readonly name: string;
  readonly stage: string;
  readonly removal: "remove" | "retain" | "retain-all";
  readonly protect: boolean;
};
declare function $interpolate(
  literals: TemplateStringsArray,
  ...placeholders: unknown[]
): SstOutput<string>;
declare function $jsonStringify(value: unknown): SstOutput<string>;

declare namespace sst {
  /** Set with `npx sst secret set <Name> <value>`; a placeholder makes it optional. */
  class Secret {
    constructor(name: string, placeholder?: string);
    readonly name: SstOutput<string>;
    readonly value: SstOutput<string>;
  }

  namespace aws {
    interface FunctionPermissionArgs {
      actions: string[];
      resources: SstInput<SstInput<string>[]>;
    }

    interface FunctionArgs {
      /** `{path}/{file}.{export}`, relative to `sst.config.ts`. */
      handler: string;
      description?: string;
      runtime?: "nodejs20.x" | "nodejs22.x" | "nodejs24.x";
      architecture?: "x86_64" | "arm64";
      memory?: SstSize;
      timeout?: SstDuration;
      logging?: false | { retention?: SstLogRetention; format?: "text" | "json" };
      /** Components whose `Resource.<Name>` the code reads; grants their IAM permissions. */
      link?: SstInput<unknown[]>;
      environment?: Record<string, SstInput<string>>;
      permissions?: FunctionPermissionArgs[];
      /** Files copied into the function package (`to` is relative to its root). */
      copyFiles?: { from: string; to?: string }[];
      transform?: {
        /** The Pulumi `aws.lambda.Function` arguments. */
        function?: SstTransform<{ deadLetterConfig: { targetArn: SstInput<string> } }>;
      };
    }

    // biome-ignore lint/suspicious/noShadowRestrictedNames: SST names its component sst.aws.Function.
    class Function {
      constructor(name: string, args: FunctionArgs);
      readonly name: SstOutput<string>;
      readonly arn: SstOutput<string>;
    }

    interface DynamoArgs {
      fields: Record<string, "string" | "number" | "binary">;
      primaryIndex: { hashKey: string; rangeKey?: string };
      globalIndexes?: Record<
        string,
        { hashKey: string; rangeKey?: string; projection?: "all" | "keys-only" | readonly string[] }
      >;
      ttl?: string;
      deletionProtection?: boolean;
    }

    class Dynamo {
      constructor(name: string, args: DynamoArgs);
      readonly name: SstOutput<string>;
      readonly arn: SstOutput<string>;
    }

    interface QueueArgs {
      visibilityTimeout?: SstDuration;
      /** A dead-letter queue's ARN, or the ARN and how many receives before a message moves. */
      dlq?: SstInput<string> | { queue: SstInput<string>; retry: number };
      transform?: {
        /** The Pulumi `aws.sqs.Queue` arguments. */
        queue?: SstTransform<{ messageRetentionSeconds: number }>;
      };
    }

    interface QueueSubscriberArgs {
      batch?: { size?: number; window?: SstDuration; partialResponses?: boolean };
    }

    class Queue {
      constructor(name: string, args?: QueueArgs);
      readonly arn: SstOutput<string>;
      readonly url: SstOutput<string>;
      readonly nodes: { readonly queue: { readonly name: SstOutput<string> } };
      /** A handler path, function arguments, or an existing function's ARN. */
      subscribe(subscriber: SstInput<string>, args?: QueueSubscriberArgs): unknown;
    }

    interface SnsTopicSubscriberArgs {
      filter?: Record<string, unknown>;
      transform?: {
        /** The Pulumi `aws.sns.TopicSubscription` arguments. */
        subscription?: SstTransform<{ redrivePolicy: SstInput<string> }>;
      };
    }

    class SnsTopic {
      constructor(name: string);
      readonly arn: SstOutput<string>;
      readonly name: SstOutput<string>;
      subscribe(name: string, subscriber: SstInput<string>, args?: SnsTopicSubscriberArgs): unknown;
    }

    interface ApiGatewayV2Args {
      cors?: boolean;
      accessLog?: { retention?: SstLogRetention };
    }

    class ApiGatewayV2 {
      constructor(name: string, args?: ApiGatewayV2Args);
      readonly url: SstOutput<string>;
      /** `"{METHOD} /path/{param}"` to a handler path, function arguments, or a function ARN. */
      route(route: string, handler: SstInput<string>): unknown;
    }

    interface CronArgs {
      function: SstInput<string>;
      schedule: `rate(${string})` | `cron(${string})`;
    }

    class Cron {
      constructor(name: string, args: CronArgs);
    }
  }
}

/** The Pulumi AWS provider, a global in `sst.config.ts`. */
declare namespace aws {
  namespace sqs {
    class QueuePolicy {
      constructor(name: string, args: { queueUrl: SstInput<string>; policy: SstInput<string> });
    }
  }

  namespace sns {
    class TopicSubscription {
      constructor(
        name: string,
        args: { topic: SstInput<string>; protocol: "email" | "email-json"; endpoint: string },
      );
    }
  }

  namespace cloudwatch {
    interface MetricAlarmArgs {
      name?: string;
      alarmDescription?: string;
      namespace: string;
      metricName: string;
      dimensions: Record<string, SstInput<string>>;
      statistic: "Sum" | "Maximum" | "Average" | "Minimum" | "SampleCount";
      period: number;
      evaluationPeriods: number;
      threshold: number;
      comparisonOperator:
        | "GreaterThanThreshold"
        | "GreaterThanOrEqualToThreshold"
        | "LessThanThreshold"
        | "LessThanOrEqualToThreshold";
      treatMissingData?: "missing" | "ignore" | "breaching" | "notBreaching";
      alarmActions?: SstInput<string>[];
      okActions?: SstInput<string>[];
    }

    class MetricAlarm {
      constructor(name: string, args: MetricAlarmArgs);
    }
  }
}
