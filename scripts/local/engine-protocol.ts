import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import type { RouteSpec } from "../../shared/api/route.ts";
import type { QueueMessage } from "../../shared/events/queue.ts";
import type { MetricTotals } from "../../shared/metrics.ts";
import type { QuirkRule } from "../../shared/quirks/rule.ts";
import type { ReconnectSettings } from "../../shared/reconnect/links.ts";
import type { LocalPollerOptions } from "./poller.ts";

/** What the SQLite engine's worker is started with: plain data, as threads share nothing else. */
export type EngineSettings = {
  dataDir: string;
  /** DATA_MAX_MB, in bytes, for each file: past it in queue.db, ingest answers 503 as on a full disk. */
  maxBytes?: number;
  rules: QuirkRule[];
  adminToken?: string;
  slackWebhookUrl?: string;
  /** Notices carry Acknowledge / Mute 1 h / Resolve buttons; `POST /slack/actions` verifies with it. */
  slackSigningSecret?: string;
  /** PAGERDUTY_EVENTS_URL. */
  pagerdutyEventsUrl: string;
  /** Where the dashboard is, for links in PagerDuty events. */
  dashboardUrl?: string;
  reauthUrlTemplate?: string;
  /** SMTP_URL and EMAIL_FROM: email is sent through that server; printed when absent. */
  email?: { smtpUrl: string; from: string };
  allowLocalUrls: boolean;
  sweepIntervalMs: number;
  /** StackOne's request logs, polled when STACKONE_API_KEY is set. */
  stackonePoller?: LocalPollerOptions;
  /** Reconnect links, when on (they use the poller's StackOne key). */
  reconnect?: ReconnectSettings;
  /** The dashboard (`GET /`), built at start. */
  page: string;
  /** A ManualClock's buffer, when a test drives time. */
  clock?: SharedArrayBuffer;
};

/** The stats every engine reports at `GET /_local/stats`. */
export type EngineStats = {
  engine: "sqlite" | "dynamodb";
  queue: { pending: number; inFlight: number; batches: number; dead: number };
  /** Rows (SQLite) or items (DynamoDB) written: event claims, incidents, everything else. */
  writes: { event: number; incident: number; other: number };
  /** Notices published by this run. */
  notices: number;
  /** Deliveries owed (one per notice and subscriber) and given up on. */
  deliveries: { pending: number; inFlight: number; dead: number };
};

/** `GET /healthz`'s answer: ok, or why not. */
export type Health = { ok: true } | { ok: false; reason: string };

/** A queue with events waiting and no progress for this long is not draining. */
export const STALL_MS = 60_000;

/** What an engine tells `GET /metrics`. */
export type EngineMetrics = {
  totals: ReturnType<MetricTotals["snapshot"]>;
  /** Unresolved incidents (pending or firing) per provider and category. */
  incidentsOpen: { provider: string; category: string; count: number }[];
  queueDepth: number;
  outboxPending: number;
};

/** The worker's part of the stats; the HTTP thread adds the queue's (pending, rows appended). */
export type WorkerStats = Omit<EngineStats, "queue" | "writes"> & {
  queue: Omit<EngineStats["queue"], "pending">;
  writes: Omit<EngineStats["writes"], "other">;
};

/** The calls the main thread makes of the engine's worker. */
export type EngineCalls = {
  request(event: APIGatewayProxyEventV2): APIGatewayProxyStructuredResultV2;
  stats(): WorkerStats;
  /** No delivery in flight or due now (the HTTP thread knows what is left in the queue). */
  idle(): boolean;
  /** Runs a periodic task now (`sweeper`, `request-log poller`) and waits for it. */
  runTask(name: string): void;
  /** Whether quirkwatch.db takes a write, or why not. */
  health(): Health;
  /** The worker's metric totals, open incidents and outbox (the queue is the HTTP thread's). */
  metrics(): Omit<EngineMetrics, "queueDepth">;
  close(): void;
};

export type CallMessage = {
  id: number;
  call: keyof EngineCalls;
  args: unknown[];
};

/** Why a send the worker asked for failed. */
export type SendFailure = { message: string; unavailable: boolean };

/** From the main thread: calls, what queue.db holds, and answers to the worker's sends. */
export type MainMessage =
  | CallMessage
  /** queue.db holds rows up to this seq: the processor wakes up. */
  | { appended: number }
  | { sent: number; failure?: SendFailure };

export type WorkerMessage =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: string }
  | { log: string }
  /** Started; these are the routes it answers (`request`), and its processed mark. */
  | { ready: true; routes: RouteSpec[]; processedThrough: number }
  | { failed: string }
  /** Every row of queue.db up to this seq is processed and on disk: it may be deleted. */
  | { processed: number }
  /** Events from the worker's own sources (the request-log poller), to append to queue.db. */
  | { send: number; messages: QueueMessage[] };
