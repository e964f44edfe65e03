/**
 * The Alerts topic and its notifiers: every notice reaches every notifier, and a notice that
 * cannot be delivered lands in that notifier's dead-letter queue. The Ops topic for the alarms.
 */
import { describe, expect, inject, it } from "vitest";
import { Deployment } from "./support/deployment.ts";
import { evaluate } from "./support/evaluate.ts";

const dev = new Deployment(inject("dev"));
const alerts = dev.childOf("Alerts", "aws:sns/topic:Topic");
const NOTIFIERS = [
  "functions/notify-pagerduty.handler",
  "functions/notify-slack.handler",
  "functions/notify-webhook.handler",
];

function subscriptionsTo(deployment: Deployment, topicArn: unknown) {
  return deployment
    .all<aws.sns.TopicSubscriptionArgs>("aws:sns/topicSubscription:TopicSubscription")
    .filter((s) => s.inputs.topic === topicArn);
}

describe("the Alerts topic", () => {
  it("invokes each notifier once per notice: with its internal message only", () => {
    const subscriptions = subscriptionsTo(dev, alerts.state.arn);
    const subscribers = subscriptions.map(
      (s) => dev.functionByArn(s.inputs.endpoint).build.handler,
    );
    expect(subscribers.sort()).toEqual(NOTIFIERS);
    for (const s of subscriptions) {
      expect(s.inputs.protocol).toBe("lambda");
      // SNS publishes a notice once per audience; the notifiers word each destination themselves.
      expect(JSON.parse(String(s.inputs.filterPolicy))).toEqual({ audience: ["internal"] });
    }
  });

  it.each(NOTIFIERS)("may invoke %s", (handler) => {
    const fn = dev.function(handler);
    const permissions = dev
      .all<aws.lambda.PermissionArgs>("aws:lambda/permission:Permission")
      .filter((p) => p.inputs.function === fn.lambda.state.arn);
    expect(permissions).toContainEqual(
      expect.objectContaining({
        inputs: expect.objectContaining({
          action: "lambda:InvokeFunction",
          principal: "sns.amazonaws.com",
          sourceArn: alerts.state.arn,
        }),
      }),
    );
  });
});

describe.each(NOTIFIERS)("%s", (handler) => {
  const fn = dev.function(handler);
  const [subscription] = subscriptionsTo(dev, alerts.state.arn).filter(
    (s) => s.inputs.endpoint === fn.lambda.state.arn,
  );
  const dlqArn = JSON.parse(String(subscription?.inputs.redrivePolicy)).deadLetterTargetArn;
  const dlq = dev.owner(dlqArn);

  it("has its own dead-letter queue for notices SNS could not hand it", () => {
    expect(dlq.type).toBe("aws:sqs/queue:Queue");
    const others = subscriptionsTo(dev, alerts.state.arn).filter((s) => s !== subscription);
    for (const other of others) expect(other.inputs.redrivePolicy).not.toContain(dlqArn);
  });

  it("sends notices it failed on, after Lambda's retries, to the same queue", () => {
    expect(fn.lambda.inputs.deadLetterConfig).toEqual({ targetArn: dlqArn });
  });

  it("lets SNS write to that queue on behalf of Alerts only", () => {
    const policy = dev
      .all<aws.sqs.QueuePolicyArgs>("aws:sqs/queuePolicy:QueuePolicy")
      .find((p) => p.inputs.queueUrl === dlq.state.url);
    expect(JSON.parse(String(policy?.inputs.policy))).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "sns.amazonaws.com" },
          Action: "sqs:SendMessage",
          Resource: dlqArn,
          Condition: { ArnEquals: { "aws:SourceArn": alerts.state.arn } },
        },
      ],
    });
  });
});

describe("deploy-time settings", () => {
  it("email the alarms to QUIRKWATCH_OPS_EMAIL, and the re-auth link to Slack, only when set", async () => {
    const ops = (d: Deployment) => d.childOf("Ops", "aws:sns/topic:Topic").state.arn;
    const slackEnv = (d: Deployment) =>
      d.function("functions/notify-slack.handler").lambda.inputs.environment?.variables;
    expect(subscriptionsTo(dev, ops(dev))).toEqual([]);
    expect(slackEnv(dev)).not.toHaveProperty("REAUTH_URL_TEMPLATE");

    const template = "https://app.example.com/integrations/{account_id}/reconnect";
    const set = await evaluate({
      stage: "dev",
      env: { QUIRKWATCH_OPS_EMAIL: "oncall@example.com", REAUTH_URL_TEMPLATE: template },
    });
    expect(subscriptionsTo(set, ops(set)).map((s) => s.inputs)).toEqual([
      { topic: ops(set), protocol: "email", endpoint: "oncall@example.com" },
    ]);
    expect(slackEnv(set)).toMatchObject({ REAUTH_URL_TEMPLATE: template });
  });
});
