import { errorText, type Logger } from "../shared/log.ts";

/** A job run every `everyMs`, one run at a time, on the engine that owns the stores. */
export type PeriodicTask = { name: string; everyMs: number; run(): Promise<unknown> };

/**
 * Runs each task once at start (work due while the stack was down, a first poll), then on its
 * interval, never two runs of one at once; `stop` waits for runs.
 */
export function runPeriodically(tasks: PeriodicTask[], log: Logger) {
  const running = new Map<string, Promise<unknown>>();
  const runNow = (task: PeriodicTask): Promise<unknown> => {
    const previous = running.get(task.name) ?? Promise.resolve();
    const next = previous
      .then(task.run)
      .catch((error) => log.error(`${task.name} failed`, { error: errorText(error) }));
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
