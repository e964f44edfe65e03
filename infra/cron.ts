import { alerts } from "./alerts.ts";
import { ITEM_READS_WRITES, quirkwatchFunction, tableAccess } from "./function-defaults.ts";
import { reconnectEnvironment, reconnectLinks } from "./reconnect.ts";
import { table } from "./storage.ts";

/** Resolves incidents that have gone quiet. */
export const sweeper = quirkwatchFunction("Sweeper", {
  handler: "functions/sweep.handler",
  memory: "512 MB",
  timeout: "60 seconds",
  link: [table, alerts, ...reconnectLinks],
  environment: reconnectEnvironment(),
  permissions: [
    ...tableAccess(table, [...ITEM_READS_WRITES, "dynamodb:Query"]),
    { actions: ["sns:Publish"], resources: [alerts.arn] },
  ],
});

new sst.aws.Cron("Sweep", { function: sweeper.arn, schedule: "rate(5 minutes)" });
