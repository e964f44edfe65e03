import type { Notice } from "./notice.ts";

/** Resolves only once every notice is published; otherwise throws, so the caller retries. */
export interface AlertBus {
  publish(notices: Notice[]): Promise<void>;
}
