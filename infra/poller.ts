import { stackonePollSeconds } from "../shared/config.ts";
import { quirkwatchFunction, tableAccess } from "./function-defaults.ts";
import { customRules, events } from "./queue.ts";
import { stackoneApiKey } from "./secrets.ts";
import { table } from "./storage.ts";

export { stackoneApiKey };

/**
 * The StackOne request-log poller: a function on a schedule that reads StackOne's request logs
 * and enqueues the failed (and silently wrong) requests as events, like a webhook would.
 */

/** EventBridge schedules in whole minutes: STACKONE_POLL_SECONDS (default 60) is rounded up. */
export function pollSchedule(seconds: number): `rate(${string})` {
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  return `rate(${minutes} ${minutes === 1 ? "minute" : "minutes"})`;
}

const rules = customRules();
const environment: Record<string, string> = { ...rules.environment };
for (const name of ["STACKONE_API_URL", "STACKONE_POLL_OVERLAP_SECONDS"]) {
  const value = process.env[name]?.trim();
  if (value) environment[name] = value;
}

export const poller = quirkwatchFunction("RequestLogPoller", {
  handler: "functions/poll-request-logs.handler",
  memory: "512 MB",
  // A run stops reading after 45 seconds (functions/poll-request-logs.ts).
  timeout: "60 seconds",
  // The table keeps its cursor; it enqueues like ingest does.
  link: [table, events, stackoneApiKey],
  permissions: [
    ...tableAccess(table, ["dynamodb:GetItem", "dynamodb:PutItem"]),
    { actions: ["sqs:SendMessage"], resources: [events.arn] },
  ],
  environment,
  ...(rules.copyFiles ? { copyFiles: rules.copyFiles } : {}),
});

new sst.aws.Cron("RequestLogPoll", {
  function: poller.arn,
  schedule: pollSchedule(stackonePollSeconds()),
});
