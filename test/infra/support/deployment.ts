/**
 * What evaluating sst.config.ts registered (see run-evaluation.ts), and the questions tests ask of
 * it: which AWS resources, with which inputs, connected how.
 */
import type { Unwrap } from "@pulumi/pulumi";
import type { RecordedResource } from "./aws-mocks.ts";
import type { RecordedBuild } from "./fake-sst-cli.ts";

export type Evaluation = {
  app: { name: string; stage: string; removal: string; protect: boolean };
  /** What `run()` returned: the stage's outputs. */
  outputs: Record<string, unknown>;
  resources: (RecordedResource & {
    /** The name of the component it belongs to, if any. */
    parent?: string;
    /** Whether Pulumi leaves it in AWS when it is deleted or replaced. */
    retainOnDelete: boolean;
  })[];
  /** One per function: what SST asked the CLI to bundle, and the files of the package it made. */
  builds: (RecordedBuild & { packageFiles: string[] })[];
};

export type Resource<Args = Record<string, unknown>> = Evaluation["resources"][number] & {
  inputs: Unwrap<Args>;
};

/** An IAM policy statement as JSON. */
export type Statement = {
  Effect: string;
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string[]>>;
};

/** An `sst.aws.Function` and the AWS resources it made. */
export type DeployedFunction = {
  name: string;
  build: Evaluation["builds"][number];
  lambda: Resource<aws.lambda.FunctionArgs>;
  /** The statements of its role's inline policy: its links and `permissions`. */
  statements: Statement[];
};

export class Deployment {
  constructor(readonly evaluation: Evaluation) {}

  get app() {
    return this.evaluation.app;
  }

  get outputs() {
    return this.evaluation.outputs;
  }

  /** Every resource of a type, e.g. `aws:sqs/queue:Queue`. */
  all<Args = Record<string, unknown>>(type: string): Resource<Args>[] {
    return this.evaluation.resources.filter((r) => r.type === type) as Resource<Args>[];
  }

  /** The one resource of a type that a component made, e.g. the SQS queue of the Queue `Events`. */
  childOf<Args = Record<string, unknown>>(component: string, type: string): Resource<Args> {
    const children = this.all<Args>(type).filter((r) => r.parent === component);
    if (children.length !== 1) {
      throw new Error(`${component} made ${children.length} resources of type ${type}, not 1`);
    }
    return children[0] as Resource<Args>;
  }

  /** The resource with this ARN, or this queue URL. */
  owner(value: unknown): Evaluation["resources"][number] {
    const found = this.evaluation.resources.find(
      (r) => r.state.arn === value || r.state.url === value,
    );
    if (found === undefined) throw new Error(`no resource has the ARN or URL ${String(value)}`);
    return found;
  }

  /** Every SQS queue that a queue, an SNS subscription or a function sends its failures to. */
  deadLetterQueues(): Resource<aws.sqs.QueueArgs>[] {
    const redrives = [
      ...this.all<aws.sqs.QueueArgs>("aws:sqs/queue:Queue"),
      ...this.all<aws.sns.TopicSubscriptionArgs>("aws:sns/topicSubscription:TopicSubscription"),
    ].flatMap((r) => (r.inputs.redrivePolicy ? [JSON.parse(r.inputs.redrivePolicy)] : []));
    const targets = new Set<unknown>([
      ...redrives.map((policy: { deadLetterTargetArn: string }) => policy.deadLetterTargetArn),
      ...this.functions().flatMap((f) => f.lambda.inputs.deadLetterConfig?.targetArn ?? []),
    ]);
    return [...targets].map((arn) => this.owner(arn) as Resource<aws.sqs.QueueArgs>);
  }

  /** Every `sst.aws.Function`, with its Lambda function and the statements of its role. */
  functions(): DeployedFunction[] {
    return this.all("sst:aws:Function").map((component) => {
      const build = this.evaluation.builds.find((b) => b.functionID === component.name);
      if (build === undefined) throw new Error(`SST never asked to bundle ${component.name}`);
      const role = this.childOf<aws.iam.RoleArgs>(component.name, "aws:iam/role:Role");
      const statements = (role.inputs.inlinePolicies ?? []).flatMap(
        (p) => (JSON.parse(p.policy ?? "{}") as { Statement: Statement[] }).Statement,
      );
      return {
        name: component.name,
        build,
        lambda: this.childOf<aws.lambda.FunctionArgs>(
          component.name,
          "aws:lambda/function:Function",
        ),
        statements,
      };
    });
  }

  /** The function whose handler is `functions/<file>.<export>`. */
  function(handler: string): DeployedFunction {
    const found = this.functions().find((f) => f.build.handler === handler);
    if (found === undefined) throw new Error(`no function deploys ${handler}`);
    return found;
  }

  /** The function that owns a Lambda ARN. */
  functionByArn(arn: unknown): DeployedFunction {
    const found = this.functions().find((f) => f.lambda.state.arn === arn);
    if (found === undefined) throw new Error(`no function has the ARN ${String(arn)}`);
    return found;
  }
}
