/** Schedules: which function runs how often. */
import { expect, inject, it } from "vitest";
import { Deployment } from "./support/deployment.ts";
import { DeployFailedError, evaluate } from "./support/evaluate.ts";

const dev = new Deployment(inject("dev"));

/** Function handler -> the schedule expression that invokes it. */
function schedules(deployment: Deployment): Record<string, unknown> {
  const targets = deployment.all<aws.cloudwatch.EventTargetArgs>(
    "aws:cloudwatch/eventTarget:EventTarget",
  );
  return Object.fromEntries(
    deployment
      .all<aws.cloudwatch.EventRuleArgs>("aws:cloudwatch/eventRule:EventRule")
      .map((rule) => {
        const target = targets.find((t) => t.inputs.rule === rule.state.name);
        return [
          deployment.functionByArn(target?.inputs.arn).build.handler,
          rule.inputs.scheduleExpression,
        ];
      }),
  );
}

it("runs the sweeper every 5 minutes, and the request-log poller every minute", () => {
  expect(schedules(dev)).toEqual({
    "functions/sweep.handler": "rate(5 minutes)",
    "functions/poll-request-logs.handler": "rate(1 minute)",
  });
});

it.each([
  ["90", "rate(2 minutes)"],
  ["300", "rate(5 minutes)"],
  ["20", "rate(1 minute)"],
])(
  "polls request logs every STACKONE_POLL_SECONDS=%s, in whole minutes: %s",
  async (every, rate) => {
    const deployment = await evaluate({ stage: "dev", env: { STACKONE_POLL_SECONDS: every } });
    expect(schedules(deployment)["functions/poll-request-logs.handler"]).toBe(rate);
  },
);

it("stops a deploy whose poll interval is not a number of seconds", async () => {
  const deploy = evaluate({ stage: "dev", env: { STACKONE_POLL_SECONDS: "1m" } });
  await expect(deploy).rejects.toThrow(DeployFailedError);
  await expect(deploy).rejects.toThrow(/STACKONE_POLL_SECONDS/);
});

it("lets EventBridge invoke every scheduled function, from its own rule only", () => {
  const targets = dev.all<aws.cloudwatch.EventTargetArgs>("aws:cloudwatch/eventTarget:EventTarget");
  const permissions = dev.all<aws.lambda.PermissionArgs>("aws:lambda/permission:Permission");
  for (const rule of dev.all("aws:cloudwatch/eventRule:EventRule")) {
    const target = targets.find((t) => t.inputs.rule === rule.state.name);
    expect(permissions.map((p) => p.inputs)).toContainEqual(
      expect.objectContaining({
        action: "lambda:InvokeFunction",
        function: target?.inputs.arn,
        principal: "events.amazonaws.com",
        sourceArn: rule.state.arn,
      }),
    );
  }
});
