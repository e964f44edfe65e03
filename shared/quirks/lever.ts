import { POLICIES, rules } from "./rule.ts";

const LEVER_DOCS = "https://hire.lever.co/developer/documentation";
const SECTION = "Lever error codes";
const source = (line: number) =>
  ({ page: "stackone-integration-quirks", section: SECTION, line }) as const;
const RETRY_CONFIG =
  'Retry with exponential backoff: set retryConfig in the StackOne SDK ({strategy: "backoff", backoff: {initialInterval, maxInterval, exponent, maxElapsedTime}}).';

export default rules([
  {
    id: "lever.400",
    provider: "lever",
    match: { status: [400] },
    category: "invalid_request",
    severity: "error",
    must_act: "us",
    title: "Lever rejected a missing or malformed parameter",
    what_happened: "Lever rejected the request because a parameter is missing or malformed.",
    remediation: [
      "Double-check the query parameters and body data you send against the StackOne and Lever documentation, then retry.",
    ],
    retry: { retryable: false, backoff: "none" },
    docs_url: LEVER_DOCS,
    source: source(25),
    alert: POLICIES.immediate,
  },
  {
    id: "lever.401",
    provider: "lever",
    match: { status: [401] },
    category: "reauth_required",
    severity: "critical",
    must_act: "customer",
    customer: {
      title: "Your Lever connection needs to be reconnected",
      what_happened:
        "Lever no longer accepts the credentials this connection uses, or they lack the access it needs.",
      remediation: [
        "Reconnect Lever from the integrations page where you first connected it, signing in with a Lever account that has API access.",
      ],
    },
    title: "Lever credentials rejected",
    what_happened:
      "The Lever credentials or scopes of the linked account do not suffice to access this resource.",
    remediation: [
      "Ask the customer to verify their Lever credentials in the integrations page, per the Lever connection guide.",
      "Then ask them to re-authenticate the linked account through a StackOne connect session (POST /connect_sessions; send them the auth_link_url).",
    ],
    retry: { retryable: false, backoff: "none" },
    docs_url: LEVER_DOCS,
    source: source(26),
    alert: POLICIES.immediate,
  },
  {
    id: "lever.403",
    provider: "lever",
    match: { status: [403] },
    category: "missing_permissions",
    severity: "error",
    must_act: "customer",
    customer: {
      title: "Your Lever settings block this connection",
      what_happened:
        "Lever's account settings do not allow this connection to perform an operation it needs.",
      remediation: [
        "Ask a Super Admin of your Lever account to update the API settings so the connected app may perform this operation.",
        "If its permissions changed, reconnect Lever from the integrations page where you first connected it.",
      ],
    },
    title: "Lever account settings forbid this operation",
    what_happened:
      "The Lever account's settings do not authorize the OAuth app to perform the requested operation.",
    remediation: [
      "Ask the customer to talk to a Super Admin on their Lever account to update the API settings so the app may perform this operation.",
      "If scopes changed, ask them to re-authenticate the linked account afterwards.",
    ],
    retry: { retryable: false, backoff: "none" },
    docs_url: LEVER_DOCS,
    source: source(27),
    alert: POLICIES.immediate,
  },
  {
    id: "lever.429",
    provider: "lever",
    match: { status: [429] },
    category: "rate_limited",
    severity: "warning",
    must_act: "us",
    title: "Lever rate limit reached",
    what_happened:
      "Lever limits the number of requests a client can make in a short time, and this account exceeded it.",
    remediation: [RETRY_CONFIG, "Lower request concurrency for this account."],
    retry: { retryable: true, backoff: "exponential" },
    docs_url: LEVER_DOCS,
    source: source(28),
    alert: POLICIES.sustained,
  },
  {
    id: "lever.500",
    provider: "lever",
    match: { status: [500] },
    category: "server_error",
    severity: "error",
    must_act: "us",
    title: "Server error at Lever or StackOne",
    what_happened: "There was an error on Lever's or StackOne's end.",
    remediation: [
      "Contact StackOne support via your dedicated Slack channel or the support email with the request id.",
      RETRY_CONFIG,
    ],
    retry: { retryable: true, backoff: "exponential" },
    docs_url: LEVER_DOCS,
    source: source(29),
    alert: POLICIES.transient,
  },
  {
    id: "lever.503",
    provider: "lever",
    match: { status: [503] },
    category: "provider_unavailable",
    severity: "warning",
    must_act: "us",
    title: "Lever down for maintenance",
    what_happened: "Lever is temporarily down for maintenance.",
    remediation: [RETRY_CONFIG, "Check https://status.lever.co for the maintenance window."],
    retry: { retryable: true, backoff: "exponential" },
    docs_url: LEVER_DOCS,
    source: source(30),
    alert: POLICIES.transient,
  },
]);
