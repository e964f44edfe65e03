import { POLICIES, rules } from "./rule.ts";

// Bullhorn accepts notes with bad references and answers 2xx, so these rules look at
// successful creates. The candidate rules outrank the author rule: an invisible note is
// worse than a wrong author.
const QUIRKS = "https://docs.stackone.com/guides/common-integration-errors";
const CANDIDATE_SOURCE = {
  page: "stackone-integration-quirks",
  section: "Bullhorn (ATS): notes with an invalid or missing candidate_id",
  line: 38,
} as const;
const CANDIDATE_WHAT_HAPPENED =
  "Bullhorn stored the note with an invalid or missing candidate reference: the request succeeded and the note can be read through the API, but it appears nowhere in the Bullhorn UI.";
const CANDIDATE_REMEDIATION = [
  "Fix the code that creates notes: always send the Bullhorn candidate's numeric id as candidate_id, taken from the StackOne candidate being annotated; Bullhorn will not reject a bad one.",
  "Find the notes already created with the bad reference (the request id is in this alert) and re-create them on the right candidate.",
];
// Body form: POST /unified/ats/notes (or the CRM equivalent) with candidate_id in the body.
const BODY_CREATE = "^/unified/[a-z_]+/notes/?$";
// A missing or invalid candidate, in the body or the path, is one problem: one incident.
const BAD_CANDIDATE = {
  incident: "bullhorn.note_invalid_candidate_id",
  title: "Bullhorn note created with a missing or invalid candidate id",
} as const;

export default rules([
  {
    id: "bullhorn.note_missing_candidate_id",
    incident: BAD_CANDIDATE.incident,
    provider: "bullhorn",
    priority: 10,
    match: {
      kind: ["info"],
      method: ["POST"],
      path: BODY_CREATE,
      fields: [{ in: "request", path: "candidate_id", is: "empty" }],
    },
    category: "silent_data_issue",
    severity: "error",
    must_act: "us",
    title: BAD_CANDIDATE.title,
    what_happened: CANDIDATE_WHAT_HAPPENED,
    remediation: CANDIDATE_REMEDIATION,
    retry: { retryable: false, backoff: "none" },
    docs_url: QUIRKS,
    source: CANDIDATE_SOURCE,
    alert: POLICIES.immediate,
  },
  {
    id: "bullhorn.note_invalid_candidate_id",
    incident: BAD_CANDIDATE.incident,
    provider: "bullhorn",
    priority: 10,
    match: {
      kind: ["info"],
      method: ["POST"],
      path: BODY_CREATE,
      fields: [{ in: "request", path: "candidate_id", is: "not_matching", value: "^[0-9]+$" }],
    },
    category: "silent_data_issue",
    severity: "error",
    must_act: "us",
    title: BAD_CANDIDATE.title,
    what_happened: CANDIDATE_WHAT_HAPPENED,
    remediation: CANDIDATE_REMEDIATION,
    retry: { retryable: false, backoff: "none" },
    docs_url: QUIRKS,
    source: CANDIDATE_SOURCE,
    alert: POLICIES.immediate,
  },
  {
    // Path form: POST /unified/ats/candidates/{id}/notes with an empty or non-numeric id
    // (typically "undefined" or "null" from a template string).
    id: "bullhorn.note_invalid_candidate_path_id",
    incident: BAD_CANDIDATE.incident,
    provider: "bullhorn",
    priority: 10,
    match: {
      kind: ["info"],
      status_class: "2xx",
      method: ["POST"],
      path: "/candidates/([^/]*[^0-9/][^/]*)?/notes/?$",
    },
    category: "silent_data_issue",
    severity: "error",
    must_act: "us",
    title: BAD_CANDIDATE.title,
    what_happened: CANDIDATE_WHAT_HAPPENED,
    remediation: CANDIDATE_REMEDIATION,
    retry: { retryable: false, backoff: "none" },
    docs_url: QUIRKS,
    source: CANDIDATE_SOURCE,
    alert: POLICIES.immediate,
  },
  {
    id: "bullhorn.note_missing_author_id",
    provider: "bullhorn",
    match: {
      status_class: "2xx",
      method: ["POST"],
      path: "/notes/?$",
      fields: [{ in: "request", path: "author_id", is: "empty" }],
    },
    category: "silent_data_issue",
    severity: "warning",
    must_act: "us",
    title: "Bullhorn note created without an author",
    what_happened:
      "The note was created without author_id, so Bullhorn silently made the API user its author.",
    remediation: [
      "Send author_id (the Bullhorn user id of the recruiter writing the note) on every note create.",
      "Notes already created show the API user as author; correct them in Bullhorn if authorship matters.",
    ],
    retry: { retryable: false, backoff: "none" },
    docs_url: QUIRKS,
    source: {
      page: "stackone-integration-quirks",
      section: "Bullhorn (ATS): notes without author_id",
      line: 39,
    },
    alert: POLICIES.immediate,
  },
  {
    id: "bullhorn.401",
    provider: "bullhorn",
    match: { status: [401] },
    category: "reauth_required",
    severity: "critical",
    must_act: "customer",
    customer: {
      title: "Your Bullhorn connection needs to be reconnected",
      what_happened:
        "Bullhorn no longer accepts the API user sign-in this connection uses: its password was changed, the user was disabled, or the OAuth keys were replaced.",
      remediation: [
        "Check with your Bullhorn administrator that the API user is active and has its current password (Menu > Tools > Users); new OAuth keys come from Bullhorn support.",
        "Then reconnect Bullhorn from the integrations page where you first connected it, with the API user's current credentials.",
      ],
    },
    title: "Bullhorn rejected the API user's session",
    what_happened:
      "Bullhorn answered 401: the linked account's API user could not sign in (password changed, user disabled) or its OAuth client id and secret no longer match.",
    remediation: [
      "Ask the customer's Bullhorn administrator to check the API user (Menu > Tools > Users: active, current password) and, if the OAuth client id or secret changed, to get the current ones from Bullhorn support.",
      "Then ask them to re-authenticate the linked account through a StackOne connect session (POST /connect_sessions; send them the auth_link_url).",
    ],
    retry: { retryable: false, backoff: "none" },
    docs_url: "https://bullhorn.github.io/Getting-Started-with-REST",
    source: {
      page: "provider-docs",
      section: "Bullhorn: getting started with the REST API (OAuth and the API user)",
      url: "https://bullhorn.github.io/Getting-Started-with-REST",
    },
    alert: POLICIES.immediate,
  },
  {
    id: "bullhorn.403",
    provider: "bullhorn",
    match: { status: [403] },
    category: "missing_permissions",
    severity: "error",
    must_act: "customer",
    customer: {
      title: "Your Bullhorn API user is missing an entitlement",
      what_happened:
        "Bullhorn refused a request because the API user this connection uses is not entitled to read or change that kind of record.",
      remediation: [
        "Ask your Bullhorn administrator to give the API user's user type the entitlement for the records Bullhorn refused (the message shown with this alert names them when Bullhorn gives one); Bullhorn support can help.",
        "No reconnection is needed once the entitlement is granted.",
      ],
    },
    title: "Bullhorn API user lacks an entitlement",
    what_happened:
      "Bullhorn answered 403: the linked account's API user is signed in, but its user type is not entitled to the entity or action requested.",
    remediation: [
      "Ask the customer's Bullhorn administrator (or Bullhorn support) to grant the API user's user type the entitlements for the entity refused.",
      "No re-authentication is needed: the API user keeps its session. Retry once the entitlement is granted.",
    ],
    retry: { retryable: false, backoff: "none" },
    docs_url: "https://bullhorn.github.io/rest-api-docs/",
    source: {
      page: "provider-docs",
      section: "Bullhorn REST API reference",
      url: "https://bullhorn.github.io/rest-api-docs/",
    },
    alert: POLICIES.immediate,
  },
]);
