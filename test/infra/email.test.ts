/**
 * Email through SES, deployed with EMAIL_FROM: the email notifier on Alerts, and "send test" from
 * the API, each allowed to send as the domain's identity (and configuration set) and nothing else.
 * Without EMAIL_FROM nothing of it exists: email subscriptions stay on SNS.
 */
import { beforeAll, describe, expect, inject, it } from "vitest";
import { Deployment } from "./support/deployment.ts";
import { evaluate } from "./support/evaluate.ts";

const dev = new Deployment(inject("dev"));
const IDENTITY = "arn:aws:ses:us-east-1:123456789012:identity/quirkwatch.example";
const CONFIGURATION_SET = "arn:aws:ses:us-east-1:123456789012:configuration-set/quirkwatch";
const FROM = "Quirkwatch <alerts@Quirkwatch.example>";

const sesStatements = (d: Deployment, handler: string) =>
  d.function(handler).statements.filter((s) => s.Action.some((a) => a.startsWith("ses:")));

describe("email through SES", () => {
  let set: Deployment;
  beforeAll(async () => {
    set = await evaluate({
      stage: "dev",
      env: { EMAIL_FROM: FROM, SES_CONFIGURATION_SET: "quirkwatch" },
    });
  }, 300_000);

  it("is not deployed without EMAIL_FROM: no email notifier, no SES permission", () => {
    expect(dev.functions().map((f) => f.build.handler)).not.toContain(
      "functions/notify-email.handler",
    );
    for (const fn of dev.functions()) {
      expect(fn.statements.flatMap((s) => s.Action).filter((a) => a.startsWith("ses:"))).toEqual(
        [],
      );
    }
  });

  it("subscribes the email notifier to Alerts, internal message only, with a dead-letter queue", () => {
    const fn = set.function("functions/notify-email.handler");
    const alerts = set.childOf("Alerts", "aws:sns/topic:Topic");
    const [subscription] = set
      .all<aws.sns.TopicSubscriptionArgs>("aws:sns/topicSubscription:TopicSubscription")
      .filter((s) => s.inputs.endpoint === fn.lambda.state.arn);
    expect(subscription?.inputs.topic).toBe(alerts.state.arn);
    expect(JSON.parse(String(subscription?.inputs.filterPolicy))).toEqual({
      audience: ["internal"],
    });
    const dlq = JSON.parse(String(subscription?.inputs.redrivePolicy)).deadLetterTargetArn;
    expect(fn.lambda.inputs.deadLetterConfig).toEqual({ targetArn: dlq });
    expect(fn.build.links).toEqual(["Table"]);
    const alarms = set
      .all<aws.cloudwatch.MetricAlarmArgs>("aws:cloudwatch/metricAlarm:MetricAlarm")
      .map((a) => a.name);
    expect(alarms).toEqual(expect.arrayContaining(["NotifyEmailDlqNotEmpty", "NotifyEmailErrors"]));
  });

  it.each(["functions/notify-email.handler", "functions/api.handler"])(
    "lets %s send as the identity and configuration set only, from EMAIL_FROM",
    (handler) => {
      expect(sesStatements(set, handler)).toEqual([
        expect.objectContaining({
          Effect: "Allow",
          Action: ["ses:SendEmail"],
          Resource: [IDENTITY, CONFIGURATION_SET],
        }),
      ]);
      expect(set.function(handler).lambda.inputs.environment?.variables).toMatchObject({
        EMAIL_FROM: FROM,
        SES_CONFIGURATION_SET: "quirkwatch",
      });
    },
  );
});
