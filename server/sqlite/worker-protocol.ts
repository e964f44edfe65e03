import type { QueueMessage } from "../../shared/events/queue.ts";
import type { HttpRequest, HttpResponse } from "../../shared/http.ts";
import type { EngineMetrics, EngineStats, Health } from "../engine.ts";

/** The worker's part of the stats; the HTTP thread adds the queue's (pending, rows appended). */
export type WorkerStats = Omit<EngineStats, "queue" | "writes"> & {
  queue: Omit<EngineStats["queue"], "pending">;
  writes: Omit<EngineStats["writes"], "other">;
};

/** The calls the main thread makes of the engine's worker. */
export type EngineCalls = {
  /** An admin API or `GET /outbox` request (its body crosses the thread as a Uint8Array). */
  request(request: HttpRequest): HttpResponse;
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
  /** Started, with its processed mark. */
  | { ready: true; processedThrough: number }
  | { failed: string }
  /** Every row of queue.db up to this seq is processed and on disk: it may be deleted. */
  | { processed: number }
  /** Events from the worker's own sources (the request-log poller), to append to queue.db. */
  | { send: number; messages: QueueMessage[] };
