import { SNSClient } from "@aws-sdk/client-sns";
import type { SQSBatchResponse, SQSEvent, SQSHandler } from "aws-lambda";
import { createDynamoClient } from "../shared/adapters/aws/dynamo-client.ts";
import { DynamoMuteStore } from "../shared/adapters/aws/dynamo-mutes.ts";
import { DynamoIncidentStore } from "../shared/adapters/aws/dynamo-store.ts";
import { SnsAlertBus } from "../shared/adapters/aws/sns-bus.ts";
import { createClassifier } from "../shared/classify/classifier.ts";
import { alertsTopicArn, rulesPath, tableName } from "../shared/config.ts";
import { type ProcessDeps, processBatch } from "../shared/incidents/process.ts";
import { emailsFor } from "../shared/notify/email.ts";
import { loadRules } from "../shared/quirks/custom.ts";

/** The processor: SQS batches of normalized events in, incidents and notices out. */
export function createHandler(deps: ProcessDeps): (event: SQSEvent) => Promise<SQSBatchResponse> {
  return (event) => processBatch(event.Records, deps);
}

let deployed: ReturnType<typeof createHandler> | undefined;
export const handler: SQSHandler = (event) => {
  deployed ??= deploy();
  return deployed(event);
};

function deploy() {
  const dynamo = createDynamoClient();
  return createHandler({
    store: new DynamoIncidentStore(dynamo, tableName()),
    mutes: new DynamoMuteStore(dynamo, tableName()),
    bus: new SnsAlertBus(new SNSClient({}), alertsTopicArn(), emailsFor),
    classifier: createClassifier(loadRules(rulesPath())),
    log: (message, detail) => console.error(JSON.stringify({ message, ...detail })),
  });
}
