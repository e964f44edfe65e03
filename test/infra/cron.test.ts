/** Schedules: which function runs how often. */
import { expect, inject, it } from "vitest";
import { Deployment } from "./support/deployment.ts";

const dev = new Deployment(inject("dev"));

/** Function handler -> the schedule expression that invokes it. */
function schedules(): Record<string, unknown> {
  const targets = dev.all<aws.cloudwatch.EventTargetArgs>("aws:cloudwatch/eventTarget:EventTarget");
  return Object.fromEntries(
    dev.all<aws.cloudwatch.EventRuleArgs>("aws:cloudwatch/eventRule:EventRule").map((rule) => {
      const target = targets.find((t) => t.inputs.rule === rule.state.name);
      return [dev.functionByArn(target?.inputs.arn).build.handler, rule.inputs.scheduleExpression];
    }),
  );
}

it("runs the sweeper every 5 minutes", () => {
  expect(schedules()).toMatchObject({ "functions/sweep.handler": "rate(5 minutes)" });
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
