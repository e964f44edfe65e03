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

it("watch Quirkwatch's own counters, which the functions write as EMF in the stage's namespace", () => {
  const namespace = "Quirkwatch/dev";
  for (const fn of dev.functions()) {
    expect(fn.lambda.inputs.environment?.variables?.QUIRKWATCH_METRICS_NAMESPACE, fn.name).toBe(
      namespace,
    );
  }
  const failing = alarms.find((a) => a.name === "NoticesFailing");
  expect(failing?.inputs).toMatchObject({
    namespace,
    metricName: "notices_sent",
    // One of the dimension sets shared/metrics-emf.ts publishes notices_sent under.
    dimensions: { outcome: "failed" },
    statistic: "Sum",
    comparisonOperator: "GreaterThanThreshold",
    alarmActions: [ops.state.arn],
  });
  const rejected = alarms.find((a) => a.name === "EventsRejected");
  expect(rejected?.inputs).toMatchObject({
    namespace,
    metricName: "events_rejected",
    statistic: "Sum",
    alarmActions: [ops.state.arn],
  });
  // Published without dimensions too: an alarm with none matches that set.
  expect(rejected?.inputs.dimensions ?? {}).toEqual({});
});

it("route PagerDuty's events with a link to this stage's dashboard", () => {
  const fn = dev.function("functions/notify-pagerduty.handler");
  const api = dev.childOf("Api", "aws:apigatewayv2/api:Api");
  expect(fn.lambda.inputs.environment?.variables?.QUIRKWATCH_URL).toBe(api.state.apiEndpoint);
});
