import { POLICIES, rules } from "./rule.ts";

// Quirkwatch's own events, not a provider's quirks.
export default rules([
  {
    // The single-node engine's data check (server/data-bounds.ts), once a minute.
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
  {
    // The request-log poller sends this when a log that a silent-data rule needs comes back
    // without its bodies, and a recovery once they arrive, which resolves it (a recovery
    // resolves missing_permissions, hence the category).
    id: "quirkwatch.advanced_logs_off",
    provider: "quirkwatch",
    match: { type: "^quirkwatch\\.advanced_logs\\.off$", kind: ["data_warning"] },
    category: "missing_permissions",
    severity: "warning",
    must_act: "us",
    title:
      "StackOne advanced logs are off: silent data problems (Bullhorn notes, Hibob employment fields) cannot be seen",
    what_happened:
      "The request-log poller asked StackOne for a request log's detail with include=advanced_logs and got it without the request and response bodies: the StackOne project keeps no advanced logs (or keeps failed requests only). Rules that look at bodies of successful requests, such as a Bullhorn note created without a valid candidate_id or Hibob employees without employment status, cannot match. Failed requests still become incidents from the list of logs.",
    remediation: [
      "In the StackOne dashboard, open the settings of the project whose linked accounts you watch and turn Advanced Logs on, keeping all requests (its error-only mode keeps failed requests only, which these rules cannot use).",
      "Nothing else: this incident resolves itself on the first poll that reads a log with its bodies.",
    ],
    retry: { retryable: false, backoff: "none" },
    source: { page: "quirkwatch", section: "The request-log poller" },
    alert: POLICIES.immediate,
  },
]);
