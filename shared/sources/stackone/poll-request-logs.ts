import type { Classifier } from "../../classify/classifier.ts";
import type { Clock } from "../../clock.ts";
import type { IntegrationEvent } from "../../events/event.ts";
import type { EventQueue } from "../../events/queue.ts";
import { effectOf } from "../../incidents/batch.ts";
import { silentLogger } from "../../log.ts";
import type { CursorStore } from "../cursor-store.ts";
import { AccountNamer, type AccountNames } from "./account-names.ts";
import { StackoneUnauthorized } from "./api-errors.ts";
import { LogDetails } from "./log-details.ts";
import type { LogQuery } from "./log-queries.ts";
import { emptyReport, type PollLog, type PollReport, Stopped } from "./poll-report.ts";
import {
  HANDLED_MAX,
  POLL_STATE_NAME,
  type PollState,
  readPollState,
  windowStart,
} from "./poll-state.ts";
import {
  advancedLogsOffEvent,
  advancedLogsOnEvent,
  readableEvent,
  unreadableEvent,
} from "./poller-health.ts";
import type { LogFilter, RequestLog, RequestLogsApi } from "./request-logs-client.ts";

/**
 * One poll of StackOne's request logs: for each query (failed requests, and the successful ones
 * silent-problem rules look at), read the logs since its cursor, oldest first, page by page, and
 * enqueue each as an event whose id is its `request_id`, so overlapping windows and restarts
 * count nothing twice. A cursor moves only past logs that were enqueued, and is saved after
 * every page.
 *
 * Each log is read once: one read again in the overlap is skipped (it was enqueued, or found no
 * problem). Which logs are read in detail is `LogDetails`'s policy; who owns each account,
 * `AccountNamer`'s.
 *
 * When a log that a silent-data rule needs comes back without its bodies, StackOne's advanced
 * logs are off (or keep failed requests only): one internal incident says so
 * (`quirkwatch.advanced_logs_off`), and resolves on the first run whose details have them.
 */

export type PollLimits = {
  /** How far before the last read a window starts again: logs are indexed late. */
  overlapMs: number;
  /** Epoch ms by which the run ends (a Lambda's timeout, the next local run). */
  deadline: number;
  pageSize: number;
  /** Pages per run, all queries together. */
  maxPages: number;
  /** Detail calls per run. */
  maxDetails: number;
  /** Accounts looked up per run, for the customer's name (request logs carry only ids). */
  maxAccountLookups: number;
};

export const DEFAULT_POLL_LIMITS: Omit<PollLimits, "deadline"> = {
  overlapMs: 120_000,
  pageSize: 100,
  maxPages: 20,
  maxDetails: 100,
  maxAccountLookups: 50,
};

export type PollDeps = {
  api: RequestLogsApi;
  cursors: CursorStore;
  queue: EventQueue;
  classifier: Classifier;
  queries: LogQuery[];
  /** Account names already known; kept by the caller from one run to the next. */
  names?: AccountNames;
  limits?: Partial<PollLimits>;
  clock: Clock;
  log?: PollLog;
};

export async function pollRequestLogs(deps: PollDeps): Promise<PollReport> {
  const limits = {
    ...DEFAULT_POLL_LIMITS,
    deadline: Number.POSITIVE_INFINITY,
    ...deps.limits,
  };
  const now = deps.clock.now();
  const log = deps.log ?? silentLogger;
  const stored = readPollState(await deps.cursors.get(POLL_STATE_NAME));
  if (stored.corrupt) log.warn("the stored poll state was unreadable; starting afresh");
  const run = new Run(deps, limits, now, stored.state);
  try {
    for (const query of deps.queries) await run.walk(query);
  } catch (error) {
    await run.stopped(error);
  }
  await run.finish();
  return run.report;
}

/** One run: each query's window walked page by page, its cursor saved after every page. */
class Run {
  readonly report = emptyReport();
  private readonly details: LogDetails;
  private readonly namer: AccountNamer;
  private readonly log: PollLog;

  constructor(
    private readonly deps: PollDeps,
    private readonly limits: PollLimits,
    private readonly now: Date,
    private readonly state: PollState,
  ) {
    this.log = deps.log ?? silentLogger;
    this.details = new LogDetails(
      deps.api,
      deps.classifier,
      limits.maxDetails,
      this.report,
      this.log,
      now,
    );
    this.namer = new AccountNamer(
      deps.api,
      deps.names ?? new Map(),
      limits.maxAccountLookups,
      this.log,
    );
  }

  async walk(query: LogQuery): Promise<void> {
    const start = windowStart(this.state, query.name, this.now, this.limits.overlapMs);
    if (this.state.queries[query.name] === undefined) {
      // A first walk that does not get far still starts the next one here.
      this.state.queries[query.name] = {
        cursor: start.toISOString(),
        read_at: this.now.toISOString(),
      };
      await this.save();
    }
    // Logs an earlier run handled, that this window reads again: skipped.
    const handled = new Map(
      (this.state.queries[query.name]?.handled ?? []).filter(([, at]) => at >= start.toISOString()),
    );
    const filter: LogFilter = {
      ...query.filter,
      start_date: start.toISOString(),
      end_date: this.now.toISOString(),
    };
    let next: string | undefined;
    // A cursor inside the window is only sound if StackOne answers oldest first, as asked; if
    // it does not, the window is only done once it is read to the end.
    let ordered = true;
    let previous = "";
    const passed = (at: string | undefined) => {
      if (at === undefined) return;
      if (at < previous) ordered = false;
      previous = at;
    };
    do {
      if (this.report.pages >= this.limits.maxPages) throw new Stopped("pages");
      if (Date.now() >= this.limits.deadline) throw new Stopped("time");
      const page = await this.deps.api.listLogs(filter, { size: this.limits.pageSize, next });
      this.report.pages += 1;
      next = page.next;
      const events: IntegrationEvent[] = [];
      const done: [string, string][] = [];
      let reached: string | undefined;
      try {
        for (const entry of page.logs) {
          this.report.logs += 1;
          const at = timeOf(entry);
          const id = typeof entry.request_id === "string" ? entry.request_id : undefined;
          passed(at);
          if (id !== undefined && handled.has(id)) {
            reached = at ?? reached;
            continue;
          }
          this.report.fresh += 1;
          const event = await this.details.eventOf(entry);
          // Handled once: read again in the overlap, it is neither fetched nor enqueued again.
          if (id !== undefined && at !== undefined) done.push([id, at]);
          reached = at ?? reached;
          // What is no problem would be dropped by the processor: it need not travel.
          if (event && effectOf(event, this.deps.classifier).kind !== "none") events.push(event);
          else if (event) this.report.unproblematic += 1;
        }
      } finally {
        // Whatever stopped the page, what was read before it is enqueued and the cursor saved.
        await this.enqueue(events);
        for (const [id, at] of done) handled.set(id, at);
        if (reached !== undefined && ordered) await this.advance(query.name, reached, handled);
      }
    } while (next !== undefined);
    await this.advance(query.name, this.now.toISOString(), handled);
  }

  private async enqueue(events: IntegrationEvent[]): Promise<void> {
    if (events.length === 0) return;
    // One after another: the first event of an account looks its name up for the rest.
    const named: IntegrationEvent[] = [];
    for (const event of events) named.push(await this.namer.named(event));
    await this.deps.queue.send(
      named.map((event, index) => ({ id: String(index), body: JSON.stringify(event) })),
    );
    this.report.enqueued += events.length;
  }

  private async advance(query: string, cursor: string, handled: Map<string, string>) {
    this.state.queries[query] = {
      cursor,
      read_at: this.now.toISOString(),
      handled: [...handled].sort((a, b) => a[1].localeCompare(b[1])).slice(-HANDLED_MAX),
    };
    await this.save();
  }

  /**
   * A run that read logs and was not refused after a refused one resolves the poller's incident
   * (at the end, so a key that may list but not read a log's detail does not flap). Advanced logs
   * seen off count into their incident, once a run; seen on again, they resolve it.
   */
  async finish(): Promise<void> {
    await this.reportAdvancedLogs();
    if (!this.state.unreadable || this.report.pages === 0) return;
    if (this.report.stopped === "unauthorized") return;
    try {
      await this.enqueue([readableEvent(this.now)]);
      this.state.unreadable = false;
      await this.save();
      this.log.info("StackOne request logs are readable again");
    } catch (error) {
      // The next run tries again: the state still says unreadable.
      this.report.error ??= error instanceof Error ? error.message : String(error);
    }
  }

  private async reportAdvancedLogs(): Promise<void> {
    const seen = this.report.advancedLogs;
    if (seen === undefined || (seen === "on" && !this.state.advanced_logs_off)) return;
    try {
      await this.enqueue([
        seen === "off" ? advancedLogsOffEvent(this.now) : advancedLogsOnEvent(this.now),
      ]);
      if (seen === "off" && !this.state.advanced_logs_off) {
        this.log.warn(
          "StackOne advanced logs are off: details come without request and response bodies",
        );
      }
      this.state.advanced_logs_off = seen === "off";
      await this.save();
    } catch (error) {
      // The next run that reads a detail tells again.
      this.report.error ??= error instanceof Error ? error.message : String(error);
    }
  }

  async stopped(error: unknown): Promise<void> {
    if (error instanceof Stopped) {
      this.report.stopped = error.stop;
      return;
    }
    if (error instanceof StackoneUnauthorized) {
      this.report.stopped = "unauthorized";
      this.report.error = error.message;
      await this.enqueue([unreadableEvent(error, this.now)]);
      this.state.unreadable = true;
      await this.save();
      return;
    }
    this.report.stopped = "error";
    this.report.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }

  private save(): Promise<void> {
    return this.deps.cursors.set(POLL_STATE_NAME, JSON.stringify(this.state));
  }
}

/** When StackOne says the request happened; logs without a time do not move a cursor. */
function timeOf(entry: RequestLog): string | undefined {
  for (const key of ["event_datetime", "start_time", "end_time"]) {
    const value = entry[key];
    if (typeof value !== "string") continue;
    const ms = Date.parse(value);
    if (!Number.isNaN(ms)) return new Date(ms).toISOString();
  }
  return undefined;
}
