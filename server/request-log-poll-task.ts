import { systemClock } from "../shared/clock.ts";
import type { EventQueue } from "../shared/events/queue.ts";
import { errorText, type Logger } from "../shared/log.ts";
import { gauge } from "../shared/metrics.ts";
import type { QuirkRule } from "../shared/quirks/rule.ts";
import type { CursorStore } from "../shared/sources/cursor-store.ts";
import type { PollReport } from "../shared/sources/stackone/poll-report.ts";
import { requestLogPoller } from "../shared/sources/stackone/request-log-poller.ts";
import type { PeriodicTask } from "./scheduler.ts";

/**
 * The request-log poller in the local stack: the deployed function's poll, as a periodic task
 * (run at start, then every interval, one run at a time). A failed run is one console line; the
 * stack goes on.
 */

export type LocalPollerOptions = {
  apiKey: string;
  apiUrl: string;
  intervalMs: number;
  overlapSeconds: number;
};

export const POLLER_TASK = "request-log poller";

/** As in the deployed function: a run ends well before the next is due. */
const MAX_RUN_MS = 45_000;

export function requestLogPollTask(
  options: LocalPollerOptions & {
    rules: QuirkRule[];
    queue: EventQueue;
    cursors: CursorStore;
    log: Logger;
  },
): PeriodicTask {
  const log = options.log.child({ scope: "poller" });
  const poll = requestLogPoller({
    apiKey: options.apiKey,
    apiUrl: options.apiUrl,
    overlapSeconds: options.overlapSeconds,
    rules: options.rules,
    cursors: options.cursors,
    queue: options.queue,
    runMs: Math.min(MAX_RUN_MS, options.intervalMs),
    clock: systemClock,
    log,
  });
  return {
    name: POLLER_TASK,
    everyMs: options.intervalMs,
    async run() {
      try {
        const report = await poll();
        // A poll rereads the overlap: only what is new is worth a line.
        if (report.fresh > 0 || report.stopped) log.info(summary(report));
        if (report.stopped !== "unauthorized" && report.stopped !== "error") {
          gauge("poller_last_success_timestamp_seconds", Date.now() / 1000);
        }
      } catch (error) {
        log.error("the poll failed and is tried again next time", { error: errorText(error) });
      }
    },
  };
}

function summary(r: PollReport): string {
  const read = `read ${r.fresh} new request log(s) in ${r.pages} page(s), ${r.details} detail(s): ${r.enqueued} event(s) in, ${r.unproblematic} no problem`;
  const why = {
    pages: "stopped at the page limit; the next poll carries on",
    time: "stopped at the time limit; the next poll carries on",
    details: "stopped at the detail limit; the next poll carries on",
    unauthorized: "StackOne refused the API key (see the incident)",
    error: "stopped; the next poll tries again",
  } as const;
  if (r.stopped === undefined) return read;
  return `${read}; ${why[r.stopped]}${r.error ? `: ${r.error}` : ""}`;
}
