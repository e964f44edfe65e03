import { POLICIES, rules } from "./rule.ts";

export default rules([
  {
    id: "teamtailor.501_missing_permissions",
    provider: "teamtailor",
    match: { status: [501] },
    category: "missing_permissions",
    severity: "error",
    must_act: "customer",
    customer: {
      title: "Your Teamtailor connection is missing permissions",
      what_happened:
        "Teamtailor refused a request because the API key this connection uses lacks the scope or access the request needs.",
      remediation: [
        "In Teamtailor, go to Settings > Integrations > API keys and create a key with the scope and read/write access the connection needs.",
        "Then reconnect Teamtailor with the new key from the integrations page where you first connected it.",
      ],
    },
    title: "Teamtailor API key lacks permission for this endpoint",
    what_happened:
      "For Teamtailor, StackOne answers 501 when the API key used to link the account is missing the permissions for the endpoint called.",
    remediation: [
      "Ask the customer's Teamtailor admin to create an API key with the scope and read/write access this endpoint needs (Settings > Integrations > API keys).",
      "Then ask them to re-authenticate the linked account with that key through a StackOne connect session (POST /connect_sessions; send them the auth_link_url).",
    ],
    retry: { retryable: false, backoff: "none" },
    docs_url: "https://docs.stackone.com/guides/common-integration-errors",
    source: { page: "stackone-integration-quirks", section: "Teamtailor", line: 7 },
    alert: POLICIES.immediate,
  },
]);
