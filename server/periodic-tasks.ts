import type { Clock } from "../shared/clock.ts";
import type { EventQueue } from "../shared/events/queue.ts";
import type { AlertBus } from "../shared/incidents/bus.ts";
import type { MuteStore } from "../shared/incidents/mute.ts";
import type { ReconnectLinks } from "../shared/incidents/reconnect-links.ts";
import type { IncidentStore } from "../shared/incidents/store.ts";
import { sweep } from "../shared/incidents/sweep.ts";
import type { Logger } from "../shared/log.ts";
import type { QuirkRule } from "../shared/quirks/rule.ts";
import type { CursorStore } from "../shared/sources/cursor-store.ts";
import { type LocalPollerOptions, requestLogPollTask } from "./request-log-poll-task.ts";
import type { PeriodicTask } from "./scheduler.ts";

/** What periodic tasks may use; the same ports on either engine. */
export type TaskDeps = {
  store: IncidentStore;
  bus: AlertBus;
  queue: EventQueue;
  cursors: CursorStore;
  mutes: MuteStore;
  links?: ReconnectLinks;
  clock: Clock;
  log: Logger;
  /** The engine's own sweeper run, when it has one (SQLite: in one transaction). */
  sweep?: () => Promise<unknown>;
};

export type TaskSettings = {
  sweepIntervalMs: number;
  rules: QuirkRule[];
  /** StackOne's request logs, polled when STACKONE_API_KEY is set. */
  stackonePoller?: LocalPollerOptions;
};

/** Every periodic task of the local stack, in one place. */
export function periodicTasks(deps: TaskDeps, settings: TaskSettings): PeriodicTask[] {
  const tasks: PeriodicTask[] = [
    {
      name: "sweeper",
      everyMs: settings.sweepIntervalMs,
      run:
        deps.sweep ??
        (() =>
          sweep({
            store: deps.store,
            mutes: deps.mutes,
            bus: deps.bus,
            links: deps.links,
            clock: deps.clock,
          })),
    },
  ];
  if (settings.stackonePoller) {
    tasks.push(
      requestLogPollTask({
        ...settings.stackonePoller,
        rules: settings.rules,
        queue: deps.queue,
        cursors: deps.cursors,
        log: deps.log,
      }),
    );
  }
  return tasks;
}
