import { existsSync } from "node:fs";
import { relative, resolve } from "node:path";
import { DEFAULT_RULES_FILE, loadRules } from "../shared/quirks/custom.ts";
import { alerts } from "./alerts.ts";
import { deadLetterQueue } from "./dead-letter-queue.ts";
import {
  ITEM_READS_WRITES,
  quirkwatchFunction,
  seconds,
  tableAccess,
} from "./function-defaults.ts";
import { FUNCTION_MEMORY_MB, megabytes } from "./function-sizes.ts";
import { reconnectEnvironment, reconnectLinks } from "./reconnect.ts";
import { table } from "./storage.ts";

export const PROCESSOR_TIMEOUT_SECONDS = 60;
/** Wait up to this long to fill a batch: fewer, fuller invocations under load. */
const BATCH_WINDOW_SECONDS = 5;
/** Receives before an event is set aside in EventsDlq rather than retried forever. */
export const EVENTS_MAX_RECEIVES = 5;
/** Where a custom rules file lands in the processor's package (`/var/task` in Lambda). */
export const PACKAGED_RULES_PATH = `/var/task/${DEFAULT_RULES_FILE}`;

/**
 * Concurrency kept for the processor out of the account's pool (1,000 by default), so a flood on
 * the API cannot take it all; it is also its ceiling (NOTIFIER_CONCURRENCY for the notifiers).
 */
export const PROCESSOR_CONCURRENCY = 10;

export const eventsDlq = deadLetterQueue("EventsDlq");

export const events = new sst.aws.Queue("Events", {
  // AWS advises at least six times the consumer's timeout (plus the batch window); shorter, and
  // a batch still being processed becomes visible again and is handled twice.
  visibilityTimeout: seconds(6 * PROCESSOR_TIMEOUT_SECONDS + BATCH_WINDOW_SECONDS),
  dlq: { queue: eventsDlq.arn, retry: EVENTS_MAX_RECEIVES },
});

/**
 * The custom rules file (QUIRKWATCH_RULES, else ./quirkwatch.rules.json if present) is validated
 * now, so a bad rule fails the deploy instead of every batch, and shipped inside the package.
 */
export function customRules(): {
  copyFiles?: { from: string; to: string }[];
  environment?: Record<string, string>;
} {
  const file = process.env.QUIRKWATCH_RULES?.trim() || DEFAULT_RULES_FILE;
  if (!existsSync(file)) {
    if (file !== DEFAULT_RULES_FILE) throw new Error(`QUIRKWATCH_RULES: no file at ${file}`);
    return {};
  }
  loadRules(file);
  return {
    // SST joins `from` to the app's root, the working directory as it runs this: an absolute
    // path must be made relative to it.
    copyFiles: [{ from: relative(process.cwd(), resolve(file)), to: DEFAULT_RULES_FILE }],
    environment: { QUIRKWATCH_RULES: PACKAGED_RULES_PATH },
  };
}

const rules = customRules();

export const processor = quirkwatchFunction("Processor", {
  handler: "functions/process.handler",
  memory: megabytes(FUNCTION_MEMORY_MB.processor),
  timeout: seconds(PROCESSOR_TIMEOUT_SECONDS),
  link: [table, alerts, ...reconnectLinks],
  permissions: [
    ...tableAccess(table, [...ITEM_READS_WRITES, "dynamodb:Query"]),
    { actions: ["sns:Publish"], resources: [alerts.arn] },
    // Lambda polls the queue for it with its role (subscribed by ARN: SST adds nothing itself).
    {
      actions: [
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:ChangeMessageVisibility",
        "sqs:GetQueueAttributes",
      ],
      resources: [events.arn],
    },
  ],
  ...rules,
  environment: { ...rules.environment, ...reconnectEnvironment() },
  transform: { function: { reservedConcurrentExecutions: PROCESSOR_CONCURRENCY } },
});

events.subscribe(processor.arn, {
  batch: { size: 100, window: seconds(BATCH_WINDOW_SECONDS), partialResponses: true },
});
