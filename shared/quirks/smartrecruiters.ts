import { POLICIES, rules } from "./rule.ts";

const QUIRKS = "https://docs.stackone.com/guides/common-integration-errors";
const RATE_LIMITS = {
  page: "stackone-integration-quirks",
  section: "SmartRecruiters: rate limits and slow application/interview listing",
  line: 19,
} as const;

export default rules([
  {
    id: "smartrecruiters.429",
    provider: "smartrecruiters",
    match: { status: [429] },
    category: "rate_limited",
    severity: "warning",
    must_act: "us",
    title: "SmartRecruiters rate limit reached",
    what_happened:
      "SmartRecruiters has restrictive rate limits, and StackOne needs many requests to list applications and interviews (SmartRecruiters cannot list them), so bulk syncs reach the limit.",
    remediation: [
      "Honour Retry-After, otherwise retry with exponential backoff (StackOne SDK retryConfig).",
      "Run one application or interview sync per account at a time and spread them over time; expect a full sync to take long.",
    ],
    retry: { retryable: true, backoff: "retry_after" },
    docs_url: QUIRKS,
    source: RATE_LIMITS,
    // Hitting the limit during a backfill is normal; alert only when it keeps happening.
    alert: { ...POLICIES.sustained, threshold: { count: 20, window_seconds: 600 } },
  },
  {
    id: "smartrecruiters.408_backfill",
    provider: "smartrecruiters",
    match: { status: [408], path: "applications|interviews" },
    category: "rate_limited",
    severity: "warning",
    must_act: "us",
    title: "SmartRecruiters application/interview listing timed out",
    what_happened:
      "Listing applications or interviews timed out: StackOne backfills them with many rate-limited SmartRecruiters requests, so large pages can take longer than the 60 second limit.",
    remediation: [
      "Wait for Retry-After (60 seconds when absent) and retry the same page.",
      "Request smaller pages and filter by updated_after for incremental syncs instead of full listings.",
    ],
    retry: { retryable: true, backoff: "retry_after" },
    docs_url: QUIRKS,
    source: RATE_LIMITS,
    // Slow by design: alert only when timeouts persist for half an hour.
    alert: { ...POLICIES.sustained, threshold: { count: 10, window_seconds: 1800 } },
  },
  {
    id: "smartrecruiters.interview_status_filter",
    provider: "smartrecruiters",
    match: { kind: ["info"], method: ["GET"], path: "interviews" },
    category: "expected_behaviour",
    severity: "info",
    must_act: "nobody",
    title: "SmartRecruiters interviews are filtered by candidate status",
    what_happened:
      "StackOne's SmartRecruiters interview endpoint only returns interviews of candidates in status INTERVIEW, OFFERED, HIRED or TRANSFERRED; candidates in REJECTED, WITHDRAWN, LEAD or IN_REVIEW are left out by design.",
    remediation: [
      "Nothing to fix: interviews missing from the list belong to candidates in REJECTED, WITHDRAWN, LEAD or IN_REVIEW status.",
      "If you need those candidates, read them from applications or candidates instead of interviews.",
    ],
    retry: { retryable: false, backoff: "none" },
    docs_url: QUIRKS,
    source: {
      page: "stackone-integration-quirks",
      section: "SmartRecruiters: interview status filter",
      line: 21,
    },
    alert: POLICIES.silent,
  },
]);
