import { systemClock } from "../shared/clock.ts";
import "../shared/adapters/aws/sst-links.ts";
import { SNSClient } from "@aws-sdk/client-sns";
import type { SQSBatchResponse, SQSEvent, SQSHandler } from "aws-lambda";
import { createDynamoClient } from "../shared/adapters/aws/dynamo-client.ts";
import { incidentPorts } from "../shared/adapters/aws/incident-ports.ts";
import { lambdaLog } from "../shared/adapters/aws/lambda-log.ts";
import { processSqsBatch } from "../shared/adapters/aws/sqs-batch.ts";
import { createClassifier } from "../shared/classify/classifier.ts";
import { rulesPath, stackoneApiKeyIsSet } from "../shared/config.ts";
import type { ProcessDeps } from "../shared/incidents/process.ts";
import { emailsFor } from "../shared/notify/email.ts";
import { loadRules } from "../shared/quirks/custom.ts";
import { configuredLinks } from "../shared/reconnect/configured.ts";

/** The processor: SQS batches of normalized events in, incidents and notices out. */
export function createHandler(deps: ProcessDeps): (event: SQSEvent) => Promise<SQSBatchResponse> {
  return (event) => processSqsBatch(event.Records, deps);
}

let deployed: ReturnType<typeof createHandler> | undefined;
export const handler: SQSHandler = (event) => {
  deployed ??= deploy();
  return deployed(event);
};

function deploy() {
  return createHandler({
    ...incidentPorts(createDynamoClient(), new SNSClient({}), emailsFor),
    classifier: createClassifier(loadRules(rulesPath())),
    clock: systemClock,
    links: configuredLinks(stackoneApiKeyIsSet()),
    log: lambdaLog,
  });
}
