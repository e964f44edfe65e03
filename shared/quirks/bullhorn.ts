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
]);
