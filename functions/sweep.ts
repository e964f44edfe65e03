import { SNSClient } from "@aws-sdk/client-sns";
import type { ScheduledHandler } from "aws-lambda";
import { createDynamoClient } from "../shared/adapters/aws/dynamo-client.ts";
import { DynamoMuteStore } from "../shared/adapters/aws/dynamo-mutes.ts";
import { DynamoIncidentStore } from "../shared/adapters/aws/dynamo-store.ts";
import { SnsAlertBus } from "../shared/adapters/aws/sns-bus.ts";
import { alertsTopicArn, tableName } from "../shared/config.ts";
import { type SweepDeps, sweep } from "../shared/incidents/sweep.ts";
import { emailsFor } from "../shared/notify/email.ts";

/** The sweeper, every 5 minutes: resolves quiet incidents, sends what ended mutes withheld. */
export function createHandler(deps: SweepDeps) {
  return () => sweep(deps);
}

let deployed: ReturnType<typeof createHandler> | undefined;
export const handler: ScheduledHandler = async () => {
  deployed ??= deploy();
  console.log(JSON.stringify({ message: "sweep", ...(await deployed()) }));
};

function deploy() {
  const dynamo = createDynamoClient();
  return createHandler({
    store: new DynamoIncidentStore(dynamo, tableName()),
    mutes: new DynamoMuteStore(dynamo, tableName()),
    bus: new SnsAlertBus(new SNSClient({}), alertsTopicArn(), emailsFor),
  });
}
