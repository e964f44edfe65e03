import { rules } from "./rule.ts";

// Quirkwatch's own events, not a provider's quirks.
export default rules([
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
