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
  new Gauge({
    name: `${PREFIX}queue_depth`,
    help: "Events accepted and not yet processed.",
    registers: [registry],
    async collect() {
      this.set((await engineMetrics()).queueDepth);
    },
  });
  new Gauge({
    name: `${PREFIX}outbox_pending`,
    help: "Deliveries owed: one per notice and subscriber, until delivered or dead-lettered.",
    registers: [registry],
    async collect() {
      this.set((await engineMetrics()).outboxPending);
    },
  });
  new Gauge({
    name: `${PREFIX}poller_last_success_timestamp_seconds`,
    help: "When the request-log poller last read StackOne's logs (0: never, or not configured).",
    registers: [registry],
    async collect() {
      const gauges = new Map([
        ...totals.snapshot().gauges,
        ...(await engineMetrics()).totals.gauges,
      ]);
      this.set(gauges.get("poller_last_success_timestamp_seconds") ?? 0);
    },
  });

  return async (): Promise<HttpResponse> => {
    try {
      const body = await registry.metrics();
      return { statusCode: 200, headers: { "content-type": registry.contentType }, body };
    } finally {
      scrape = undefined;
    }
  };
}
