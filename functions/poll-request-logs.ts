import { systemClock } from "../shared/clock.ts";
import "../shared/adapters/aws/sst-links.ts";
import { SQSClient } from "@aws-sdk/client-sqs";
import type { ScheduledHandler } from "aws-lambda";
import { createDynamoClient } from "../shared/adapters/aws/dynamo-client.ts";
import { DynamoCursorStore } from "../shared/adapters/aws/dynamo-cursors.ts";
import { lambdaLog } from "../shared/adapters/aws/lambda-log.ts";
import { SqsEventQueue } from "../shared/adapters/aws/sqs-queue.ts";
import {
  queueUrl,
  rulesPath,
  stackoneApiKey,
  stackoneApiUrl,
  stackonePollOverlapSeconds,
  tableName,
} from "../shared/config.ts";
import { loadRules } from "../shared/quirks/custom.ts";
import type { PollReport } from "../shared/sources/stackone/poll-report.ts";
import { requestLogPoller } from "../shared/sources/stackone/request-log-poller.ts";

/** One run must end well within the function's 60-second timeout. */
const RUN_MS = 45_000;

let poll: (() => Promise<PollReport>) | undefined;

/** The request-log poller, on a schedule: StackOne's failed (and silently wrong) requests in. */
export const handler: ScheduledHandler = async () => {
  const apiKey = stackoneApiKey();
  if (apiKey === undefined)
    return lambdaLog.info("request-log poller off: StackoneApiKey is not set");
  poll ??= requestLogPoller({
    apiKey,
    apiUrl: stackoneApiUrl(),
    overlapSeconds: stackonePollOverlapSeconds(),
    rules: loadRules(rulesPath()),
    cursors: new DynamoCursorStore(createDynamoClient(), tableName()),
    queue: new SqsEventQueue(new SQSClient({}), queueUrl()),
    runMs: RUN_MS,
    clock: systemClock,
    log: lambdaLog,
  });
  lambdaLog.info("poll", { ...(await poll()) });
};
