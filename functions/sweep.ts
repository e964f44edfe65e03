import { systemClock } from "../shared/clock.ts";
import "../shared/adapters/aws/sst-links.ts";
import { SNSClient } from "@aws-sdk/client-sns";
import type { ScheduledHandler } from "aws-lambda";
import { createDynamoClient } from "../shared/adapters/aws/dynamo-client.ts";
import { incidentPorts } from "../shared/adapters/aws/incident-ports.ts";
import { lambdaLog } from "../shared/adapters/aws/lambda-log.ts";
import { stackoneApiKeyIsSet } from "../shared/config.ts";
import { type SweepDeps, sweep } from "../shared/incidents/sweep.ts";
import { emailsFor } from "../shared/notify/email.ts";
import { configuredLinks } from "../shared/reconnect/configured.ts";

/** The sweeper, every 5 minutes: resolves quiet incidents, sends what ended mutes withheld. */
export function createHandler(deps: SweepDeps) {
  return () => sweep(deps);
}

let deployed: ReturnType<typeof createHandler> | undefined;
export const handler: ScheduledHandler = async () => {
  deployed ??= deploy();
  lambdaLog.info("sweep", await deployed());
};

function deploy() {
  return createHandler({
    ...incidentPorts(createDynamoClient(), new SNSClient({}), emailsFor),
    links: configuredLinks(stackoneApiKeyIsSet()),
    clock: systemClock,
  });
}
