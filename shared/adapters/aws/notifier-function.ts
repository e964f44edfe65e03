import type { Context, SNSEvent } from "aws-lambda";
import { type Clock, systemClock } from "../../clock.ts";
import type { Notice } from "../../incidents/notice.ts";
import type { Logger } from "../../log.ts";
import type { Destination, Notifier } from "../../notify/notifier.ts";
import { DELIVERY_RETRY, deliver, RecentDeliveries } from "../../notify/retry-stage.ts";
import type { SubscriptionStore } from "../../notify/subscription-store.ts";
import type { RetryPolicy } from "../../retry.ts";
import { lambdaLog } from "./lambda-log.ts";

/**
 * What every notifier function does with the alerts topic's event: its notices, through the
 * retry stage, to the notifier's destinations, within the function's time. A throw is the
 * dead-letter: the function's queue keeps the event.
 */

export type NotifierFunctionDeps = {
  subscriptions: SubscriptionStore;
  recent?: RecentDeliveries;
  log?: Logger;
  /** The system clock unless a test sets one. */
  clock?: Clock;
  /** Tests shorten the policy and the waits. */
  retry?: { policy?: Partial<RetryPolicy>; sleep?: (ms: number) => Promise<void> };
};

/** The notices an SNS event carries: each record's message is the `lambda` body, a notice. */
export function noticesOf(event: { Records: { Sns: { Message: string } }[] }): Notice[] {
  return event.Records.map((record) => JSON.parse(record.Sns.Message) as Notice);
}

export function notifierHandler<D extends Destination>(
  notifier: Notifier<D>,
  deps: NotifierFunctionDeps,
) {
  // Kept as long as the function is warm: a redriven event skips what was delivered.
  const recent = deps.recent ?? new RecentDeliveries();
  const log = deps.log ?? lambdaLog;
  const policy = { ...DELIVERY_RETRY.deployed, ...deps.retry?.policy };
  return (event: SNSEvent, context?: Pick<Context, "getRemainingTimeInMillis">) =>
    deliver(noticesOf(event), notifier, {
      subscriptions: deps.subscriptions,
      recent,
      log,
      policy,
      ...(context ? { remaining: () => context.getRemainingTimeInMillis() } : {}),
      clock: deps.clock ?? systemClock,
      ...(deps.retry?.sleep ? { sleep: deps.retry.sleep } : {}),
    });
}
