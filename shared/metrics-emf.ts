import { metricsNamespace } from "./config.ts";
import { stdoutLine } from "./log.ts";
import { COUNTERS, type CounterName, type MetricsSink } from "./metrics.ts";

/**
 * The deployed sink: each count is one CloudWatch embedded-metric-format line in the function's
 * log, which CloudWatch turns into a metric in the stage's namespace (`Quirkwatch/<stage>`). Written to stdout
 * directly: Lambda's console prefixes each line with a time and request id, and a prefixed line
 * is not read as EMF. No client and no API call: nothing to add to a cold start.
 */

/**
 * Which dimension sets each counter is published under: the totals alarms watch (no dimension,
 * or the outcome alone) and the breakdowns a dashboard shows. An alarm must name exactly one of
 * these sets.
 */
export const EMF_DIMENSIONS: Record<CounterName, string[][]> = {
  events_accepted: [[], ["source"]],
  events_rejected: [[], ["reason"]],
  notices_sent: [["outcome"], ["kind", "outcome"]],
};

export function emfLine(
  namespace: string,
  name: CounterName,
  labels: Record<string, string>,
  n: number,
  now = Date.now(),
): string {
  const dimensions = COUNTERS[name] as readonly string[];
  const values = Object.fromEntries(dimensions.map((d) => [d, labels[d] ?? "unknown"]));
  return JSON.stringify({
    _aws: {
      Timestamp: now,
      CloudWatchMetrics: [
        {
          Namespace: namespace,
          Dimensions: EMF_DIMENSIONS[name],
          Metrics: [{ Name: name, Unit: "Count" }],
        },
      ],
    },
    ...values,
    [name]: n,
  });
}

export function emfSink(
  write: (line: string) => unknown = stdoutLine,
  namespace = metricsNamespace(),
): MetricsSink {
  return {
    count: (name, labels, n) => write(emfLine(namespace, name, labels, n)),
    // Gauges are what one machine knows of itself; deployed, CloudWatch has its own.
    gauge: () => undefined,
  };
}
