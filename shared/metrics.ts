/**
 * The counters Quirkwatch keeps about itself, written where things happen and read by whichever
 * sink the process installed: totals served at `GET /metrics` in Prometheus' format on one
 * machine (server/prometheus.ts), CloudWatch embedded-metric-format lines when deployed
 * (metrics-emf.ts). Like a metrics library's default registry, the sink is per process (per
 * thread), so the code that counts needs no extra dependency passed down to it.
 */

/** Each counter and its labels; Prometheus adds the `quirkwatch_` prefix and `_total`. */
export const COUNTERS = {
  /** Events ingest accepted (202), by source. */
  events_accepted: ["source"],
  /** Webhook requests ingest refused, by reason (signature, invalid, too_large, ...). */
  events_rejected: ["reason"],
  /** Deliveries of a notice to one destination, by destination kind and outcome. */
  notices_sent: ["kind", "outcome"],
} as const;
export type CounterName = keyof typeof COUNTERS;
export type Labels<N extends CounterName> = Record<(typeof COUNTERS)[N][number], string>;

/** Point-in-time values some processes know of themselves (the poller, on one machine). */
export const GAUGES = { poller_last_success_timestamp_seconds: "gauge" } as const;
export type GaugeName = keyof typeof GAUGES;

export interface MetricsSink {
  count(name: CounterName, labels: Record<string, string>, n: number): void;
  gauge(name: GaugeName, value: number): void;
}

const nothing: MetricsSink = { count: () => undefined, gauge: () => undefined };
let sink: MetricsSink = nothing;

/** Installs where this process's metrics go; returns the previous sink. */
export function recordMetricsTo(next: MetricsSink | undefined): MetricsSink {
  const previous = sink;
  sink = next ?? nothing;
  return previous;
}

export function count<N extends CounterName>(name: N, labels: Labels<N>, n = 1): void {
  if (n > 0) sink.count(name, labels, n);
}

export function gauge(name: GaugeName, value: number): void {
  sink.gauge(name, value);
}

/** `events_rejected`'s reason for an answer ingest refused with. */
export function rejectionReason(status: number): string {
  const reasons: Record<number, string> = {
    400: "malformed",
    401: "signature",
    404: "unknown_source",
    413: "too_large",
    422: "invalid",
    500: "internal",
    503: "unavailable",
  };
  return reasons[status] ?? `http_${status}`;
}

/** One counter value with its labels, as totals hold them. */
export type CounterValue = { name: CounterName; labels: Record<string, string>; value: number };

/** A sink that keeps totals in memory: what one machine serves at `GET /metrics`. */
export class MetricTotals implements MetricsSink {
  private readonly counters = new Map<string, CounterValue>();
  readonly gauges = new Map<GaugeName, number>();

  count(name: CounterName, labels: Record<string, string>, n: number): void {
    const key = `${name}\n${JSON.stringify(labels)}`;
    const current = this.counters.get(key);
    if (current) current.value += n;
    else this.counters.set(key, { name, labels, value: n });
  }

  gauge(name: GaugeName, value: number): void {
    this.gauges.set(name, value);
  }

  /** Plain data, so a worker thread can send it. */
  snapshot(): { counters: CounterValue[]; gauges: [GaugeName, number][] } {
    return {
      counters: [...this.counters.values()].map((c) => ({ ...c })),
      gauges: [...this.gauges],
    };
  }
}
