import type { EventQueue } from "../shared/events/queue.ts";
import type { ReconnectSettings } from "../shared/incidents/reconnect-links.ts";
import type { MetricTotals } from "../shared/metrics.ts";
import type { QuirkRule } from "../shared/quirks/rule.ts";
import type { LocalHandler } from "./http-server.ts";
import type { LocalPollerOptions } from "./request-log-poll-task.ts";

/**
 * One engine of the server as the HTTP side sees it: the queue ingest hands events to, the
 * handler of the routes it answers (the admin API and `GET /outbox`), and what tests and the
 * bench ask of it.
 * Two implement it: sqlite/ (the durable one) and dynamodb/ (the deployed code path).
 */
export interface LocalEngine {
  name: "sqlite" | "dynamodb";
  queue: EventQueue;
  /** Answers the admin API's routes and `GET /outbox`. */
  handle: LocalHandler;
  stats(): Promise<EngineStats>;
  /** `GET /healthz`: the storage takes writes and the queue drains. */
  health(): Promise<Health>;
  /** What `GET /metrics` shows of the engine (the HTTP thread adds its own counts). */
  metrics(): Promise<EngineMetrics>;
  /** Nothing queued or being processed, and no delivery in flight or due now. */
  idle(): Promise<boolean>;
  /** Runs a periodic task now (`sweeper`, `request-log poller`) and waits for it. */
  runTask(name: string): Promise<void>;
  /** Finishes what was accepted (as far as it must), then lets go of its storage. */
  close(): Promise<void>;
}

/** What an engine is started with: plain data, as the SQLite engine's threads share nothing else. */
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
  /** A test's clock (SharedClock's buffer), when a test drives time. */
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

/**
 * A clock a test sets (test/support/manual-clock.ts), which the engine reads, on any thread:
 * one float, milliseconds since the epoch, in a SharedArrayBuffer.
 */
export type SharedClock = { now(): Date; buffer: SharedArrayBuffer };

/** The time as a SharedClock's buffer holds it, read without a message. */
export function readSharedClock(buffer: SharedArrayBuffer): () => Date {
  const ms = new Float64Array(buffer);
  return () => new Date(ms[0] ?? 0);
}
