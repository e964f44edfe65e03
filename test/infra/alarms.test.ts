/** Quirkwatch's own trouble, on the Ops topic: dead letters waiting, and function errors. */
import { expect, inject, it } from "vitest";
import { Deployment } from "./support/deployment.ts";

const dev = new Deployment(inject("dev"));
const ops = dev.childOf("Ops", "aws:sns/topic:Topic");
const alarms = dev.all<aws.cloudwatch.MetricAlarmArgs>("aws:cloudwatch/metricAlarm:MetricAlarm");

it("fire on Ops as soon as any dead-letter queue holds a message", () => {
  const queues = dev.deadLetterQueues();
  expect(queues.map((q) => q.parent)).toContain("EventsDlq");
  for (const queue of queues) {
    const alarm = alarms.find((a) => a.inputs.dimensions?.QueueName === queue.state.name);
    expect(alarm?.inputs, queue.name).toMatchObject({
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
      alarmActions: [ops.state.arn],
    });
  }
});

it("fire on Ops when any function fails", () => {
  for (const fn of dev.functions()) {
    const alarm = alarms.find((a) => a.inputs.dimensions?.FunctionName === fn.lambda.state.name);
    expect(alarm?.inputs, fn.name).toMatchObject({
      namespace: "AWS/Lambda",
      metricName: "Errors",
      statistic: "Sum",
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
      alarmActions: [ops.state.arn],
    });
  }
});
