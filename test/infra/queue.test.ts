/** The events queue between ingest and the processor, and its dead-letter queue. */
import { describe, expect, inject, it } from "vitest";
import { Deployment } from "./support/deployment.ts";

const dev = new Deployment(inject("dev"));
const FOURTEEN_DAYS = 14 * 24 * 60 * 60;

const events = dev.childOf<aws.sqs.QueueArgs>("Events", "aws:sqs/queue:Queue");
const processor = dev.function("functions/process.handler");

/** The one event source mapping reading the events queue. */
function consumer() {
  const mappings = dev
    .all<aws.lambda.EventSourceMappingArgs>("aws:lambda/eventSourceMapping:EventSourceMapping")
    .filter((m) => m.inputs.eventSourceArn === events.state.arn);
  expect(mappings).toHaveLength(1);
  return mappings[0] as (typeof mappings)[number];
}

describe("the events queue", () => {
  it("sets an event aside in EventsDlq after 5 receives", () => {
    const redrive = JSON.parse(String(events.inputs.redrivePolicy));
    expect(redrive.maxReceiveCount).toBe(5);
    expect(dev.owner(redrive.deadLetterTargetArn).parent).toBe("EventsDlq");
  });

  it("feeds the processor batches of up to 100, waiting up to 5 s to fill one", () => {
    expect(consumer().inputs).toMatchObject({
      functionName: processor.lambda.state.arn,
      batchSize: 100,
      maximumBatchingWindowInSeconds: 5,
    });
  });

  it("redelivers only the events of a batch the processor reports as failed", () => {
    expect(consumer().inputs.functionResponseTypes).toEqual(["ReportBatchItemFailures"]);
  });

  it("hides a message for at least 6x the processor's timeout plus the batch window", () => {
    const window = Number(consumer().inputs.maximumBatchingWindowInSeconds);
    expect(events.inputs.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(
      6 * Number(processor.lambda.inputs.timeout) + window,
    );
  });
});

describe("dead-letter queues", () => {
  it("keep a message the 14 days SQS allows, for someone to look at it", () => {
    const queues = dev.deadLetterQueues();
    expect(queues.length).toBeGreaterThan(0);
    for (const queue of queues) {
      expect(queue.inputs.messageRetentionSeconds, queue.name).toBe(FOURTEEN_DAYS);
    }
  });
});
