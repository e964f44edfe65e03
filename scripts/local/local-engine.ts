import type { RouteSpec } from "../../shared/api/route.ts";
import type { EventQueue } from "../../shared/events/queue.ts";
import type { LocalHandler } from "./api-gateway.ts";
import type { EngineMetrics, EngineStats, Health } from "./engine-protocol.ts";

/**
 * One engine of the local stack as the HTTP side sees it: the queue ingest hands events to, the
 * routes it answers (the admin API and `GET /outbox`), and what tests and the bench ask of it.
 */
export interface LocalEngine {
  name: "sqlite" | "dynamodb";
  queue: EventQueue;
  /** The routes `handle` answers: the admin API's and `GET /outbox`. */
  routes: RouteSpec[];
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
