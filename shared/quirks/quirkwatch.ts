import { rules } from "./rule.ts";

// Quirkwatch's own events, not a provider's quirks.
export default rules([
  {
    // The single-node engine's data check (scripts/local/data-bounds.ts), once a minute.
    id: "quirkwatch.data_nearly_full",
    provider: "quirkwatch",
    match: { type: "^quirkwatch\\.data_nearly_full$" },
    category: "unknown",
    severity: "critical",
    must_act: "us",
    title: "Quirkwatch's data is nearly at DATA_MAX_MB",
    what_happened:
      "A database file in DATA_DIR holds more than 80% of DATA_MAX_MB. At the cap, ingest answers 503 with Retry-After (nothing accepted is lost; senders retry) and processing waits for room.",
    remediation: [
      "Raise DATA_MAX_MB (or free disk space) and restart npm start.",
      "Or let resolved incidents expire: they are deleted 30 days after they resolve.",
    ],
    retry: { retryable: true, backoff: "retry_after" },
    source: { page: "quirkwatch", section: "Bounds" },
    alert: {
      threshold: { count: 1, window_seconds: 60 },
      repeat_seconds: 4 * 3600,
      resolve_after_quiet_seconds: 30 * 60,
    },
  },
  {
    // `npm run smoke` needs an incident to find that tells nobody: this one counts, but its
    // threshold is out of reach, so it stays pending and resolves quietly.
    id: "quirkwatch.smoke_test",
    provider: "quirkwatch",
    match: { type: "^quirkwatch\\.smoke_test$" },
    // Not a provider's problem of any known kind; expected behaviour never opens an incident.
    category: "unknown",
    severity: "info",
    must_act: "us",
    title: "Smoke test: Quirkwatch received a test webhook",
    what_happened:
      "`npm run smoke` posted this signed test webhook to check the stack end to end: webhook, queue, processor, table and admin API. Nothing is wrong.",
    remediation: ["Nothing to do: it never alerts and resolves by itself after 30 quiet minutes."],
    retry: { retryable: false, backoff: "none" },
    source: { page: "quirkwatch", section: "Smoke test" },
    alert: {
      threshold: { count: 2 ** 31 - 1, window_seconds: 60 },
      repeat_seconds: 4 * 3600,
      resolve_after_quiet_seconds: 30 * 60,
    },
  },
]);
