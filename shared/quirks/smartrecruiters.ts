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
  {
    id: "smartrecruiters.401",
    provider: "smartrecruiters",
    match: { status: [401] },
    category: "reauth_required",
    severity: "critical",
    must_act: "customer",
    customer: {
      title: "Your SmartRecruiters connection needs a new credential",
      what_happened:
        "SmartRecruiters no longer accepts the API key or OAuth credential this connection uses: it was revoked, or has expired.",
      remediation: [
        "In SmartRecruiters, go to Settings / Admin > Apps & Integrations > Credentials (the Credential Manager) and create a new API key, or an OAuth client credential with the scopes this connection needs.",
        "Then reconnect SmartRecruiters from the integrations page where you first connected it, with the new credential.",
      ],
    },
    title: "SmartRecruiters rejected the credential",
    what_happened:
      "SmartRecruiters answered 401: the linked account's API key or OAuth credential was revoked in its Credential Manager, or has expired.",
    remediation: [
      "Ask the customer's SmartRecruiters administrator to create a new credential in the Credential Manager (Settings / Admin > Apps & Integrations > Credentials): an API key, or an OAuth client credential with the scopes the integration needs.",
      "Then ask them to re-authenticate the linked account with it through a StackOne connect session (POST /connect_sessions; send them the auth_link_url).",
    ],
    retry: { retryable: false, backoff: "none" },
    docs_url: "https://developers.smartrecruiters.com/docs/authentication",
    source: {
      page: "provider-docs",
      section: "SmartRecruiters: authentication (API keys and OAuth client credentials)",
      url: "https://developers.smartrecruiters.com/docs/authentication",
    },
    alert: POLICIES.immediate,
  },
  {
    id: "smartrecruiters.403",
    provider: "smartrecruiters",
    match: { status: [403] },
    category: "missing_permissions",
    severity: "error",
    must_act: "customer",
    customer: {
      title: "Your SmartRecruiters credential is missing access",
      what_happened:
        "SmartRecruiters refused a request because the credential this connection uses lacks a scope, or its system role or access group does not cover the data.",
      remediation: [
        "In SmartRecruiters' Credential Manager (Settings / Admin > Apps & Integrations > Credentials), give the connection's OAuth credential the missing scope and a system role and access group that cover the data, or create an API key, which has every scope.",
        "Then reconnect SmartRecruiters from the integrations page where you first connected it if you created a new credential.",
      ],
    },
    title: "SmartRecruiters credential lacks a scope or role",
    what_happened:
      "SmartRecruiters answered 403: the linked account's OAuth client credential does not have the scope for this endpoint, or its system role or access group does not reach the record.",
    remediation: [
      "Ask the customer's SmartRecruiters administrator to add the missing scope to the credential in the Credential Manager, or to set a system role and access group that cover the data; an API key has every scope.",
      "If they create a new credential, ask them to re-authenticate the linked account with it through a StackOne connect session.",
    ],
    retry: { retryable: false, backoff: "none" },
    docs_url: "https://developers.smartrecruiters.com/docs/authentication",
    source: {
      page: "provider-docs",
      section: "SmartRecruiters: credential scopes, system roles and access groups",
      url: "https://developers.smartrecruiters.com/docs/authentication",
    },
    alert: POLICIES.immediate,
  },
]);
