import type { Clock } from "../clock.ts";
import { forEachLimit } from "../concurrency.ts";
import type { Notice } from "../incidents/notice.ts";
import type { Logger } from "../log.ts";
import { count } from "../metrics.ts";
import { GiveUp, RetriesExhausted, RetryLater, type RetryPolicy, retry } from "../retry.ts";
import type { Destination, Notifier, Outcome } from "./notifier.ts";
import type { Subscription } from "./subscription.ts";
import type { SubscriptionStore } from "./subscription-store.ts";

/**
 * The retry stage: the one place a notice is tried again, for every notifier and on both
 * engines (Alertmanager's RetryStage). For each notice and destination it makes attempts with
 * `retry` (backoff, or the destination's Retry-After) until one is delivered, the policy's
 * attempts or deadline run out, or the destination is gone. A gone subscription is switched off
 * once, by the call that marks it; what is still owed at the end makes the call throw
 * `DeliveryFailed`, which the engine dead-letters (the outbox's dead_deliveries table on one
 * machine, the notifier's dead-letter queue deployed). Nothing retries around it.
 */

/**
 * The policies, so the worst case is a number: at most `attempts` tries of one notice to one
 * destination. Deployed, the notifier's run (30 s) is the deadline too: then SNS's dead-letter
 * queue keeps the notice. One machine has no such limit, so it waits out a longer outage.
 */
export const DELIVERY_RETRY = {
  deployed: { attempts: 4, baseMs: 500, maxMs: 8_000 },
  singleNode: { attempts: 12, baseMs: 1_000, maxMs: 30_000, deadlineMs: 5 * 60_000 },
} as const satisfies Record<string, RetryPolicy>;

/** Kept free at the end of the engine's time (Lambda's), to record what happened. */
const SAFETY_MS = 1_000;
/** Destinations of one notice delivered to at once. */
const CONCURRENCY = 8;

/** Thrown when some destinations are still owed the notice: the engine dead-letters it. */
export class DeliveryFailed extends GiveUp {
  override name = "DeliveryFailed";
}

/**
 * Which (notice, destination) pairs were delivered lately. A notice delivered again (a redrive,
 * a crash before the outbox row was deleted) then goes only to the destinations that did not
 * get it: fewer duplicates, never fewer deliveries.
 */
export class RecentDeliveries {
  private readonly keys = new Set<string>();
  constructor(private readonly max = 5_000) {}

  has(noticeId: string, destination: string): boolean {
    return this.keys.has(`${noticeId}\n${destination}`);
  }

  add(noticeId: string, destination: string): void {
    const key = `${noticeId}\n${destination}`;
    this.keys.add(key);
    // Sets iterate in insertion order: the oldest goes first.
    for (const oldest of this.keys) {
      if (this.keys.size <= this.max) break;
      this.keys.delete(oldest);
    }
  }
}

export type RetryStageDeps = {
  subscriptions: SubscriptionStore;
  recent: RecentDeliveries;
  log: Logger;
  policy: RetryPolicy;
  /** The engine's time left for this call, in ms (Lambda's getRemainingTimeInMillis). */
  remaining?: () => number;
  clock: Clock;
  sleep?: (ms: number) => Promise<void>;
};

/** A settled destination: how its last attempt went, or that the policy ran out. */
type Settled = Outcome | { status: "exhausted"; reason: string };

const METRIC_OUTCOME: Record<Settled["status"], string> = {
  delivered: "delivered",
  retry: "failed",
  exhausted: "failed",
  gone: "broken",
  refused: "rejected",
};

/**
 * Delivers `notices`, one after another (a firing before its resolution), each to every
 * matching destination of `notifier`'s kind; throws `DeliveryFailed` naming those still owed.
 */
export async function deliver<D extends Destination>(
  notices: Notice[],
  notifier: Notifier<D>,
  deps: RetryStageDeps,
): Promise<void> {
  const started = deps.clock.now().getTime();
  const budget = deps.remaining ? deps.remaining() - notifier.attemptMs - SAFETY_MS : undefined;
  const policy = withDeadline(deps.policy, budget);
  const working = (await deps.subscriptions.list(notifier.kind)).filter(
    (s) => s.broken_reason === undefined,
  );
  const log = deps.log.child({ scope: notifier.kind });
  const owed: string[] = [];
  for (const notice of notices) {
    const destinations = notifier
      .destinations(notice, working)
      .filter((d) => !deps.recent.has(notice.id, d.id));
    await forEachLimit(destinations, CONCURRENCY, async (destination) => {
      if (notifier.admit && (await notifier.admit(notice, destination)) === "skip") {
        deps.recent.add(notice.id, destination.id);
        return;
      }
      // Time already spent on earlier notices counts against the same deadline.
      const left =
        policy.deadlineMs === undefined
          ? undefined
          : policy.deadlineMs - (deps.clock.now().getTime() - started);
      const settled = await attempts(notice, destination, notifier, deps, {
        ...policy,
        ...(left === undefined ? {} : { deadlineMs: Math.max(0, left) }),
      });
      count("notices_sent", { kind: notifier.kind, outcome: METRIC_OUTCOME[settled.status] });
      const where = { notice: notice.id, subscription: destination.id, ...destination.where };
      switch (settled.status) {
        case "delivered":
          deps.recent.add(notice.id, destination.id);
          await notifier.delivered?.(notice, destination);
          return;
        case "refused":
          // Trying again sends nothing: said once, and settled.
          log.warn(`${notifier.kind} refused; not retried`, { ...where, reason: settled.reason });
          deps.recent.add(notice.id, destination.id);
          return;
        case "gone":
          if (destination.subscription) {
            await switchOff(destination.subscription, settled.reason, notifier, deps, log);
            return;
          }
          // The default channel cannot be switched off here: its notices wait in the
          // dead-letter queue (and its alarm fires) until the setting is fixed.
          break;
      }
      log.warn(`${notifier.kind} delivery failed`, { ...where, reason: settled.reason });
      owed.push(`${destination.id}: ${settled.reason}`);
    });
  }
  if (owed.length > 0) {
    throw new DeliveryFailed(
      `${notifier.kind} delivery failed for ${owed.length}: ${owed.join("; ")}`,
    );
  }
}

function withDeadline(policy: RetryPolicy, budgetMs: number | undefined): RetryPolicy {
  if (budgetMs === undefined) return policy;
  const deadlineMs = Math.min(policy.deadlineMs ?? Number.POSITIVE_INFINITY, Math.max(0, budgetMs));
  return { ...policy, deadlineMs };
}

/** Attempts until an outcome other than "retry later", or until the policy says stop. */
async function attempts<D extends Destination>(
  notice: Notice,
  destination: D,
  notifier: Notifier<D>,
  deps: RetryStageDeps,
  policy: RetryPolicy,
): Promise<Settled> {
  try {
    return await retry(
      async () => {
        const outcome = await notifier.send(notice, destination);
        if (outcome.status === "retry") throw new RetryLater(outcome.reason, outcome.retryAfterMs);
        return outcome;
      },
      policy,
      { ...(deps.sleep ? { sleep: deps.sleep } : {}), now: () => deps.clock.now().getTime() },
    );
  } catch (error) {
    if (error instanceof RetriesExhausted) return { status: "exhausted", reason: error.message };
    throw error;
  }
}

/** Marks a subscription broken; the call that marks it says so, and tells the notifier. */
async function switchOff<D extends Destination>(
  subscription: Subscription,
  reason: string,
  notifier: Notifier<D>,
  deps: RetryStageDeps,
  log: Logger,
): Promise<void> {
  const at = deps.clock.now().toISOString();
  if (!(await deps.subscriptions.markBroken(subscription.id, reason, at))) return;
  log.warn(`${notifier.kind} destination gone: switched off, nothing more is sent to it`, {
    subscription: subscription.id,
    target: subscription.target,
    reason,
  });
  await notifier.switchedOff?.(subscription, reason);
}
