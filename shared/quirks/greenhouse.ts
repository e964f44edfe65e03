import { POLICIES, rules } from "./rule.ts";

const GREENHOUSE_GUIDE = "https://hub.stackone.com/connection-guides/ats/greenhouse";
const SOURCE = {
  page: "stackone-integration-quirks",
  section: "Greenhouse: 404 from an invalid on-behalf-of user",
  line: 16,
} as const;
const CUSTOMER = {
  title: "Your Greenhouse connection needs a valid user",
  what_happened:
    "Greenhouse rejects requests made on behalf of the user chosen when the connection was set up: that user id is not a valid Greenhouse user.",
  remediation: [
    "Reconnect Greenhouse from the integrations page where you first connected it, and give the numeric id of an active Greenhouse user (not an email address) as the user to act on behalf of; a Greenhouse admin finds it in Greenhouse's user settings.",
  ],
};
const REMEDIATION = [
  "Ask the customer's Greenhouse admin to re-authenticate the linked account with a valid Greenhouse user id in the on-behalf-of field: the numeric id of an active user (Harvest GET /v1/users?email=... finds it), not an email address.",
  "Send them a StackOne connect session link (POST /connect_sessions with origin_owner_id and origin_owner_name; the auth_link_url).",
];

// Greenhouse answers a bad On-Behalf-Of user with the same "Resource not found" as a
// missing record, so an ordinary 404 is left to stackone.404.
export default rules([
  {
    id: "greenhouse.404_on_behalf_of",
    provider: "greenhouse",
    match: { status: [404], message: "on[- ]?behalf[- ]?of|invalid (greenhouse )?user id" },
    category: "reauth_required",
    severity: "error",
    must_act: "customer",
    customer: CUSTOMER,
    title: "Greenhouse on-behalf-of user is invalid",
    what_happened:
      "Greenhouse answered 404 because the on-behalf-of user id given when the account was linked is not a valid Greenhouse user.",
    remediation: REMEDIATION,
    retry: { retryable: false, backoff: "none" },
    docs_url: GREENHOUSE_GUIDE,
    source: SOURCE,
    alert: POLICIES.immediate,
  },
  {
    id: "greenhouse.404_on_behalf_of_create",
    // The same problem as the rule above, whichever of the two sees it first: one incident.
    incident: "greenhouse.404_on_behalf_of",
    provider: "greenhouse",
    // A create on a collection names no record, so the only id Greenhouse can fail to
    // find is the On-Behalf-Of user that every write carries.
    match: { status: [404], method: ["POST"], path: "^/unified/ats/[a-z_]+/?$" },
    category: "reauth_required",
    severity: "error",
    must_act: "customer",
    customer: CUSTOMER,
    title: "Greenhouse rejected a create: on-behalf-of user likely invalid",
    what_happened:
      "Greenhouse answered 404 to a create request that names no existing record; the likely cause is an invalid on-behalf-of user id given when the account was linked.",
    remediation: REMEDIATION,
    retry: { retryable: false, backoff: "none" },
    docs_url: GREENHOUSE_GUIDE,
    source: SOURCE,
    alert: POLICIES.immediate,
  },
  {
    id: "greenhouse.401",
    provider: "greenhouse",
    match: { status: [401] },
    category: "reauth_required",
    severity: "critical",
    must_act: "customer",
    customer: {
      title: "Your Greenhouse connection needs a new Harvest API key",
      what_happened:
        "Greenhouse no longer accepts the Harvest API key this connection uses: it was revoked or is not a Harvest key.",
      remediation: [
        "In Greenhouse, go to Configure > Dev Center > API Credential Management and create a Harvest API key with the permissions this connection needs.",
        "Then reconnect Greenhouse from the integrations page where you first connected it, with the new Harvest API key.",
      ],
    },
    title: "Greenhouse rejected the Harvest API key",
    what_happened:
      "Greenhouse answered 401: the linked account's Harvest API key is wrong, revoked, or not a Harvest key.",
    remediation: [
      "Ask the customer's Greenhouse admin to create a Harvest API key (Configure > Dev Center > API Credential Management) with the endpoint permissions the integration uses.",
      "Then ask them to re-authenticate the linked account with it through a StackOne connect session (POST /connect_sessions; send them the auth_link_url).",
    ],
    retry: { retryable: false, backoff: "none" },
    docs_url: "https://developers.greenhouse.io/harvest.html#authentication",
    source: {
      page: "provider-docs",
      section: "Greenhouse Harvest API: authentication",
      url: "https://developers.greenhouse.io/harvest.html#authentication",
    },
    alert: POLICIES.immediate,
  },
  {
    id: "greenhouse.403",
    provider: "greenhouse",
    match: { status: [403] },
    category: "missing_permissions",
    severity: "error",
    must_act: "customer",
    customer: {
      title: "Your Greenhouse API key is missing a permission",
      what_happened:
        "Greenhouse refused a request because the Harvest API key this connection uses is not allowed to call that endpoint, or the user it acts on behalf of may not make the change.",
      remediation: [
        "In Greenhouse, go to Configure > Dev Center > API Credential Management, edit the Harvest API key this connection uses, and under Manage permissions tick the endpoint Greenhouse refused (the message shown with this alert names it when Greenhouse gives one). The key stays the same, so no reconnection is needed.",
        "If the refused request was a change (a note, a candidate), check that the Greenhouse user chosen to act on behalf of is active and allowed to make it; if not, reconnect Greenhouse with another user's id.",
      ],
    },
    title: "Greenhouse Harvest API key lacks permission for this endpoint",
    what_happened:
      "Greenhouse answered 403: each Harvest API key is granted endpoints one by one, and this key lacks the one called; for writes, the On-Behalf-Of user may also lack the permission.",
    remediation: [
      "Ask the customer's Greenhouse admin to edit the linked account's Harvest API key (Configure > Dev Center > API Credential Management > Manage permissions) and grant the endpoint refused; the key is unchanged, so nothing needs re-authenticating.",
      "For a refused write, check the on-behalf-of user given at linking: it must be an active Greenhouse user allowed to make the change; otherwise re-authenticate the account with another user id through a StackOne connect session.",
    ],
    retry: { retryable: false, backoff: "none" },
    docs_url: "https://developers.greenhouse.io/harvest.html#authentication",
    source: {
      page: "provider-docs",
      section: "Greenhouse Harvest API: API key permissions and On-Behalf-Of",
      url: "https://developers.greenhouse.io/harvest.html#authentication",
    },
    alert: POLICIES.immediate,
  },
]);
