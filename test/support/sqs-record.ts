import type { SQSRecord } from "aws-lambda";
import type { IntegrationEventInput } from "../../shared/events/event.ts";

let seq = 0;

/** An event as the processor receives it from SQS. */
export function sqsRecord(
  event: IntegrationEventInput,
  receiveCount = 1,
  messageId = `m${++seq}`,
): SQSRecord {
  return {
    messageId,
    receiptHandle: messageId,
    body: JSON.stringify(event),
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: "0",
      SenderId: "local",
      ApproximateFirstReceiveTimestamp: "0",
    },
    messageAttributes: {},
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:local:0:events",
    awsRegion: "local",
  };
}
