import { Counter, collectDefaultMetrics, Gauge, Registry } from "prom-client";
import type { HttpResponse } from "../shared/http.ts";
import { COUNTERS, type CounterValue, type MetricTotals } from "../shared/metrics.ts";
import type { LocalEngine } from "./engine.ts";

/**
 * `GET /metrics` of the local stack, in Prometheus' text format through prom-client: the
 * counters shared/metrics.ts keeps (this thread's totals and the engine worker's, read at each
 * scrape), the engine's open incidents, queue and outbox, and the process's defaults. Only the
 * local stack loads prom-client: no Lambda bundle carries it.
 */

const PREFIX = "quirkwatch_";

const HELP: Record<keyof typeof COUNTERS, string> = {
  events_accepted: "Events ingest accepted (answered 202), by source.",
  events_rejected: "Webhook requests ingest refused, by reason.",
  notices_sent: "Deliveries of a notice to one destination, by destination kind and outcome.",
};

export function localMetrics(engine: LocalEngine, totals: MetricTotals) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  // One read of the engine per scrape, shared by every metric's collect.
  let scrape: ReturnType<LocalEngine["metrics"]> | undefined;
  const engineMetrics = () => {
    scrape ??= engine.metrics();
    return scrape;
  };

  for (const [name, labelNames] of Object.entries(COUNTERS) as [
    keyof typeof COUNTERS,
    readonly string[],
  ][]) {
    new Counter({
      name: `${PREFIX}${name}_total`,
      help: HELP[name],
      labelNames,
      registers: [registry],
      // The totals are kept where things happen; each scrape shows them as they are now.
      async collect() {
        const theirs = (await engineMetrics()).totals.counters;
        this.reset();
        for (const c of [...totals.snapshot().counters, ...theirs] as CounterValue[]) {
          if (c.name === name) this.inc(c.labels, c.value);
        }
      },
    });
  }
  new Gauge({
    name: `${PREFIX}incidents_open`,
    help: "Incidents not resolved (pending or firing), by provider and category.",
    labelNames: ["provider", "category"],
    registers: [registry],
    async collect() {
      this.reset();
      for (const { provider, category, count } of (await engineMetrics()).incidentsOpen) {
        this.set({ provider, category }, count);
      }
    },
  });
  // Gauges of one number, read at each scrape.
  const gauges: Record<string, { help: string; read: () => Promise<number> }> = {
    queue_depth: {
      help: "Events accepted and not yet processed.",
      read: async () => (await engineMetrics()).queueDepth,
    },
    outbox_pending: {
      help: "Deliveries owed: one per notice and subscriber, until delivered or dead-lettered.",
      read: async () => (await engineMetrics()).outboxPending,
    },
    poller_last_success_timestamp_seconds: {
      help: "When the request-log poller last read StackOne's logs (0: never, or not configured).",
      read: async () => {
        const gauges = new Map([
          ...totals.snapshot().gauges,
          ...(await engineMetrics()).totals.gauges,
        ]);
        return gauges.get("poller_last_success_timestamp_seconds") ?? 0;
      },
    },
  };
  for (const [name, { help, read }] of Object.entries(gauges)) {
    new Gauge({
      name: `${PREFIX}${name}`,
      help,
      registers: [registry],
      async collect() {
        this.set(await read());
      },
    });
  }

  return async (): Promise<HttpResponse> => {
    try {
      const body = await registry.metrics();
      return { statusCode: 200, headers: { "content-type": registry.contentType }, body };
    } finally {
      scrape = undefined;
    }
  };
}
