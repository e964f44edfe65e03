import type { Notice } from "./notice.ts";

/** Resolves only once every notice is published; otherwise throws, so the caller retries. */
export interface AlertBus {
  publish(notices: Notice[]): Promise<void>;
}

/**
 * One destination the bus fans notices out to (deployed: the notifier functions SNS invokes).
 * `deliver` throws when the notice should be delivered again later.
 */
export type Subscriber = { name: string; deliver(notice: Notice): Promise<void> };
