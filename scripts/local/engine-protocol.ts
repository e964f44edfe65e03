import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import type { QueueMessage } from "../../shared/ingest/queue.ts";
import type { QuirkRule } from "../../shared/quirks/rule.ts";
import type { LocalPollerOptions } from "./poller.ts";

/** What the SQLite engine's worker is started with: plain data, as threads share nothing else. */
export type EngineSettings = {
  dataDir: string;
  /** DATA_MAX_MB, in bytes: past it, ingest answers 503 as on a full disk. */
  maxBytes?: number;
  rules: QuirkRule[];
  adminToken?: string;
  slackWebhookUrl?: string;
  reauthUrlTemplate?: string;
  allowLocalUrls: boolean;
  sweepIntervalMs: number;
  /** StackOne's request logs, polled when STACKONE_API_KEY is set. */
  stackonePoller?: LocalPollerOptions;
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

/** The calls the main thread makes of the engine's worker. */
export type EngineCalls = {
  /** Appends each group in one commit; one answer per group: undefined, or why it failed. */
  append(groups: QueueMessage[][]): ({ message: string; unavailable: boolean } | undefined)[];
  request(event: APIGatewayProxyEventV2): APIGatewayProxyStructuredResultV2;
  stats(): EngineStats;
  idle(): boolean;
  /** Runs a periodic task now (`sweeper`, `request-log poller`) and waits for it. */
  runTask(name: string): void;
  close(): void;
};

export type CallMessage = {
  id: number;
  call: keyof EngineCalls;
  args: unknown[];
};

export type WorkerMessage =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: string }
  | { log: string }
  /** Started; these are the routes it answers (`request`). */
  | { ready: true; routes: string[] }
  | { failed: string };
