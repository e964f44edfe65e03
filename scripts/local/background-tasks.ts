import type { EventQueue } from "../../shared/events/queue.ts";
import type { AlertBus } from "../../shared/incidents/bus.ts";
import type { MuteStore } from "../../shared/incidents/mute.ts";
import type { IncidentStore } from "../../shared/incidents/store.ts";
import { sweep } from "../../shared/incidents/sweep.ts";
import type { QuirkRule } from "../../shared/quirks/rule.ts";
import type { ReconnectLinks } from "../../shared/reconnect/links.ts";
import type { CursorStore } from "../../shared/sources/cursor-store.ts";
import { type LocalPollerOptions, requestLogPollTask } from "./poller.ts";

/** What periodic tasks may use; the same ports on either engine. */
export type TaskDeps = {
  store: IncidentStore;
  bus: AlertBus;
  queue: EventQueue;
  cursors: CursorStore;
  mutes: MuteStore;
  links?: ReconnectLinks;
  now: () => Date;
  log: (line: string) => void;
};

/** A job run every `everyMs`, one run at a time, on the engine that owns the stores. */
export type PeriodicTask = { name: string; everyMs: number; run(): Promise<unknown> };

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
      run: () =>
        sweep({
          store: deps.store,
          mutes: deps.mutes,
          bus: deps.bus,
          links: deps.links,
          now: deps.now,
        }),
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

/**
 * Runs each task once at start (work due while the stack was down, a first poll), then on its
 * interval, never two runs of one at once; `stop` waits for runs.
 */
export function runPeriodically(tasks: PeriodicTask[], log: (line: string) => void) {
  const running = new Map<string, Promise<unknown>>();
  const runNow = (task: PeriodicTask): Promise<unknown> => {
    const previous = running.get(task.name) ?? Promise.resolve();
    const next = previous.then(task.run).catch((error) => log(`${task.name}: ${String(error)}`));
    running.set(task.name, next);
    return next;
  };
  for (const task of tasks) void runNow(task);
  const timers = tasks.map((task) => {
    const timer = setInterval(() => void runNow(task), task.everyMs);
    timer.unref();
    return timer;
  });
  return {
    /** Runs one task now (tests: the sweeper, the poller), after any run in progress. */
    async runNow(name: string) {
      const task = tasks.find((t) => t.name === name);
      if (task) await runNow(task);
    },
    async stop() {
      for (const timer of timers) clearInterval(timer);
      await Promise.all(running.values());
    },
  };
}
