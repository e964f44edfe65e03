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
]);
