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
  {
    id: "teamtailor.401",
    provider: "teamtailor",
    match: { status: [401] },
    category: "reauth_required",
    severity: "critical",
    must_act: "customer",
    customer: {
      title: "Your Teamtailor connection needs a new API key",
      what_happened:
        "Teamtailor no longer accepts the API key this connection uses: it was deleted or replaced.",
      remediation: [
        "In Teamtailor, go to Settings > Integrations > API keys and create a key with the Admin scope and Read and Write access.",
        "Then reconnect Teamtailor from the integrations page where you first connected it, with the new API key.",
      ],
    },
    title: "Teamtailor rejected the API key",
    what_happened: "Teamtailor answered 401: the linked account's API key is wrong or was deleted.",
    remediation: [
      "Ask the customer's Teamtailor admin to create an API key (Settings > Integrations > API keys) with the Admin scope and the Read and Write access the integration needs.",
      "Then ask them to re-authenticate the linked account with it through a StackOne connect session (POST /connect_sessions; send them the auth_link_url).",
    ],
    retry: { retryable: false, backoff: "none" },
    docs_url: "https://docs.teamtailor.com/#authentication",
    source: {
      page: "provider-docs",
      section: "Teamtailor API: authentication and API key scopes",
      url: "https://docs.teamtailor.com/#authentication",
    },
    alert: POLICIES.immediate,
  },
  {
    id: "teamtailor.403",
    provider: "teamtailor",
    match: { status: [403] },
    category: "missing_permissions",
    severity: "error",
    must_act: "customer",
    customer: {
      title: "Your Teamtailor API key does not allow this",
      what_happened:
        "Teamtailor refused a request because the API key this connection uses has too narrow a scope (Public or Internal) or only Read access.",
      remediation: [
        "In Teamtailor, go to Settings > Integrations > API keys and create a key with the Admin scope and both Read and Write ticked.",
        "Then reconnect Teamtailor from the integrations page where you first connected it, with the new API key.",
      ],
    },
    title: "Teamtailor API key scope too narrow",
    what_happened:
      "Teamtailor answered 403: the linked account's API key has a Public or Internal scope, or Read access only, and the request needs more.",
    remediation: [
      "Ask the customer's Teamtailor admin to create an API key with the Admin scope and Read and Write access (Settings > Integrations > API keys).",
      "Then ask them to re-authenticate the linked account with it through a StackOne connect session (POST /connect_sessions; send them the auth_link_url).",
    ],
    retry: { retryable: false, backoff: "none" },
    docs_url: "https://docs.teamtailor.com/#authentication",
    source: {
      page: "provider-docs",
      section: "Teamtailor API: authentication and API key scopes",
      url: "https://docs.teamtailor.com/#authentication",
    },
    alert: POLICIES.immediate,
  },
]);
