import type { Logger } from "../../log.ts";
/** What one poll of StackOne's request logs did, and why it stopped early. */

/** Why a run ended before every query reached the end of its window. */
export type Stop =
  | "pages"
  | "time"
  | "details"
  /** StackOne refused the key: reported as an incident. */
  | "unauthorized"
  /** StackOne rate limited, failed or answered oddly: the next run tries again. */
  | "error";

export type PollReport = {
  logs: number;
  /** Logs no earlier run handled: what this run brought that is new. */
  fresh: number;
  enqueued: number;
  /** Logs that are no problem (no rule anyone must act on): not enqueued. */
  unproblematic: number;
  details: number;
  pages: number;
  /** Logs that are not events (no account or provider). */
  skipped: number;
  /** Whether details a rule needed came with their bodies (advanced logs), when any was read. */
  advancedLogs?: "on" | "off";
  stopped?: Stop;
  error?: string;
};

export const emptyReport = (): PollReport => ({
  logs: 0,
  fresh: 0,
  enqueued: 0,
  unproblematic: 0,
  details: 0,
  pages: 0,
  skipped: 0,
});

/** The run stops here: what was read before is enqueued and its cursor saved. */
export class Stopped extends Error {
  override name = "Stopped";
  constructor(readonly stop: Stop) {
    super(stop);
  }
}

/** How the poller's parts log: a message and its details. */
export type PollLog = Logger;
