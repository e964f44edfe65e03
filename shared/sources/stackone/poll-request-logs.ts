import { type Classifier, createClassifier, type DetailNeed } from "../../classify/classifier.ts";
import { EventValidationError, type IntegrationEvent, parseEvent } from "../../events/event.ts";
import { providerMessage } from "../../events/provider-message.ts";
import { effectOf } from "../../incidents/batch.ts";
import type { EventQueue } from "../../ingest/queue.ts";
import type { QuirkRule } from "../../quirks/rule.ts";
import type { CursorStore } from "../cursor-store.ts";
import { StackoneUnauthorized } from "./api-errors.ts";
import { type LogQuery, logQueries } from "./log-queries.ts";
import { normalizeStackone } from "./normalize.ts";
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
import {
  type LogFilter,
  type LogPage,
  type RequestLog,
  RequestLogsClient,
} from "./request-logs-client.ts";

/**
 * One poll of StackOne's request logs: for each query (failed requests, and the successful ones
 * silent-problem rules look at), read the logs since its cursor, oldest first, page by page, and
 * enqueue each as an event whose id is its `request_id`, so overlapping windows and restarts
 * count nothing twice. A cursor moves only past logs that were enqueued, and is saved after
 * every page.
 *
 * The detail of a log (`GET /requests/logs/{id}?include=advanced_logs`: request and response
 * bodies, the provider's error, all advanced-log data) is fetched only when it can change the
 * answer or is the only source of the provider's words, within `maxDetails` per run, and once per
 * log: a log read again in the overlap is skipped (it was enqueued, or found no problem):
 * - when a rule that could match needs a request body or the provider's error: every such log;
 * - when one needs only a response body (what the provider returns for an account, e.g. Hibob
 *   employees without employment status): one log per account and endpoint per run;
 * - otherwise, for the provider's words: one log per incident per run (the incident keeps the
 *   words of the newest event that had them).
 * A log that needs its detail once the budget is spent waits for the next run, and so does
 * everything after it in its query.
 *
 * When a log that a silent-data rule needs comes back without its bodies, StackOne's advanced
 * logs are off (or keep failed requests only): one internal incident says so
 * (`quirkwatch.advanced_logs_off`), and resolves on the first run whose details have them.
 */

/** The API calls a poll makes; RequestLogsClient is the real one. */
export type RequestLogsApi = {
  listLogs(filter: LogFilter, page: { size: number; next?: string }): Promise<LogPage>;
  getLog(id: string): Promise<RequestLog | undefined>;
  getAccount(id: string): Promise<Record<string, unknown> | undefined>;
};

/** Who each account belongs to, as StackOne's linked account says (nothing, when it does not). */
export type AccountNames = Map<
  string,
  Pick<IntegrationEvent["account"], "name" | "owner_id" | "owner_name">
>;

/** Names kept across runs: a poller names each account once, not once a minute. */
const NAMES_MAX = 10_000;

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
  now?: () => Date;
  log?: (message: string, detail?: Record<string, unknown>) => void;
};

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

/** The run stops here: what was read before is enqueued and its cursor saved. */
class Stopped extends Error {
  constructor(readonly stop: Stop) {
    super(stop);
  }
}

export async function pollRequestLogs(deps: PollDeps): Promise<PollReport> {
  const limits = {
    ...DEFAULT_POLL_LIMITS,
    deadline: Number.POSITIVE_INFINITY,
    ...deps.limits,
  };
  const now = deps.now?.() ?? new Date();
  const log = deps.log ?? (() => {});
  const stored = readPollState(await deps.cursors.get(POLL_STATE_NAME));
  if (stored.corrupt) log("the stored poll state was unreadable; starting afresh");
  const run = new Run(deps, limits, now, stored.state);
  try {
    for (const query of deps.queries) await run.walk(query);
  } catch (error) {
    await run.stopped(error);
  }
  await run.finish();
  return run.report;
}

class Run {
  readonly report: PollReport = {
    logs: 0,
    fresh: 0,
    enqueued: 0,
    unproblematic: 0,
    details: 0,
    pages: 0,
    skipped: 0,
  };
  /** Incidents whose provider's words this run already fetched. */
  private readonly worded = new Set<string>();
  /** Accounts and endpoints whose response this run already sampled. */
  private readonly sampled = new Set<string>();
  private readonly names: AccountNames;
  private lookups = 0;

  constructor(
    private readonly deps: PollDeps,
    private readonly limits: PollLimits,
    private readonly now: Date,
    private readonly state: PollState,
  ) {
    this.names = deps.names ?? new Map();
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
          const { event } = await this.eventOf(entry);
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

  /**
   * The event for one log, with its detail when needed (`fetched`: a detail call was made);
   * throws Stopped when it must wait.
   */
  private async eventOf(
    entry: RequestLog,
  ): Promise<{ event: IntegrationEvent | undefined; fetched: boolean }> {
    const summary = this.normalize(entry);
    if (summary === undefined) return { event: undefined, fetched: false };
    const need = this.deps.classifier.needsDetail(summary);
    if (need !== undefined) {
      const onlyResponse = !need.request_body && !need.provider_error;
      const endpoint = `${summary.account.id}\n${summary.provider}\n${summary.resource ?? summary.http?.path}`;
      if (onlyResponse && this.sampled.has(endpoint)) return { event: summary, fetched: false };
      if (this.report.details >= this.limits.maxDetails) throw new Stopped("details");
      this.sampled.add(endpoint);
      const detailed = await this.detailed(summary);
      if (detailed !== undefined) this.sawBodies(need, detailed);
      return { event: detailed ?? summary, fetched: true };
    }
    const effect = effectOf(summary, this.deps.classifier);
    const plain = { event: summary, fetched: false };
    // Only a failed request has the provider's words to fetch.
    if (effect.kind !== "count" || summary.kind !== "error") return plain;
    if (providerMessage(summary) !== undefined) return plain;
    if (this.worded.has(effect.incidentId) || this.report.details >= this.limits.maxDetails) {
      return plain;
    }
    this.worded.add(effect.incidentId);
    return { event: (await this.detailed(summary)) ?? summary, fetched: true };
  }

  private async detailed(summary: IntegrationEvent): Promise<IntegrationEvent | undefined> {
    this.report.details += 1;
    const detail = await this.deps.api.getLog(summary.id);
    // Gone since it was listed: the summary is all there is.
    return detail === undefined ? undefined : this.normalize({ ...detail, request_id: summary.id });
  }

  /** Whether a detail has the bodies a rule asked it for: advanced logs are on, or off. */
  private sawBodies(need: DetailNeed, detail: IntegrationEvent): void {
    const missing =
      (need.request_body && detail.request_body === undefined) ||
      (need.response_body && detail.response_body === undefined);
    if (!need.request_body && !need.response_body) return;
    // One log without its bodies in a run is enough to say so.
    this.report.advancedLogs = missing || this.report.advancedLogs === "off" ? "off" : "on";
  }

  /** A log as an event whose id is its request id; undefined (and counted) when it is not one. */
  private normalize(entry: RequestLog): IntegrationEvent | undefined {
    const requestId = typeof entry.request_id === "string" ? entry.request_id : undefined;
    try {
      if (requestId === undefined)
        throw new EventValidationError([{ path: "request_id", message: "required" }]);
      return normalizeStackone({ ...entry, id: requestId }, JSON.stringify(entry));
    } catch (error) {
      if (!(error instanceof EventValidationError)) throw error;
      this.report.skipped += 1;
      this.deps.log?.("request log skipped", { request_id: requestId, reason: error.message });
      return undefined;
    }
  }

  private async enqueue(events: IntegrationEvent[]): Promise<void> {
    if (events.length === 0) return;
    // One after another: the first event of an account looks its name up for the rest.
    const named: IntegrationEvent[] = [];
    for (const event of events) named.push(await this.named(event));
    await this.deps.queue.send(
      named.map((event, index) => ({ id: String(index), body: JSON.stringify(event) })),
    );
    this.report.enqueued += events.length;
  }

  /**
   * The event with its customer's name, from StackOne's linked account: a request log carries
   * only the account id. A name that cannot be had is no reason to hold an event back.
   */
  private async named(event: IntegrationEvent): Promise<IntegrationEvent> {
    if (event.account.name !== undefined || event.source !== "stackone") return event;
    const id = event.account.id;
    if (!this.names.has(id)) {
      if (this.lookups >= this.limits.maxAccountLookups) return event;
      this.lookups += 1;
      try {
        const account = await this.deps.api.getAccount(id);
        const text = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
        this.names.set(id, {
          name: text(account?.origin_owner_name),
          owner_id: text(account?.origin_owner_id),
          owner_name: text(account?.origin_username),
        });
      } catch (error) {
        // e.g. a key that may read logs but not accounts: ask again next run.
        this.deps.log?.("could not look up an account's name", {
          account_id: id,
          error: String(error),
        });
        return event;
      }
      if (this.names.size > NAMES_MAX) this.names.delete(this.names.keys().next().value as string);
    }
    const names = this.names.get(id);
    if (!names) return event;
    return parseEvent({ ...event, account: { ...names, ...withoutUndefined(event.account) } });
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
      this.deps.log?.("StackOne request logs are readable again");
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
        this.deps.log?.(
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

export type PollerConfig = {
  apiKey: string;
  apiUrl: string;
  overlapSeconds: number;
  /** The processor's rules: they say which logs matter and which need their detail. */
  rules: QuirkRule[];
  cursors: CursorStore;
  queue: EventQueue;
  /** How long one run may take. */
  runMs: number;
  log?: PollDeps["log"];
};

/** Polls with StackOne's API and the rules' classifier and queries; each call is one run. */
export function requestLogPoller(config: PollerConfig): () => Promise<PollReport> {
  const classifier = createClassifier(config.rules);
  const queries = logQueries(config.rules);
  const names: AccountNames = new Map();
  return () => {
    const deadline = Date.now() + config.runMs;
    const api = new RequestLogsClient({
      baseUrl: config.apiUrl,
      apiKey: config.apiKey,
      deadline,
    });
    return pollRequestLogs({
      api,
      cursors: config.cursors,
      queue: config.queue,
      classifier,
      queries,
      names,
      limits: { overlapMs: config.overlapSeconds * 1000, deadline },
      log: config.log,
    });
  };
}

function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
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
