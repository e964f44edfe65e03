/**
 * One realistic StackOne webhook for each problem on the quirks page, for `npm run demo`, the
 * end-to-end bench and the tests. `repeat` sends it that many times (a rate limit only alerts
 * when sustained). A request scenario also has the `log` StackOne's request logs API holds for
 * it, for the StackOne-shaped server the poller tests read.
 */
export type Scenario = {
  name: string;
  rule: string;
  repeat: number;
  payload: (n: number) => unknown;
  log?: (n: number) => RequestLogRecord;
};

export type RequestLogRecord = Record<string, unknown> & { request_id: string };

const now = () => new Date().toISOString();

export type RequestSpec = {
  status: number;
  method?: string;
  url: string;
  resource: string;
  /** StackOne's message, in its error body. */
  message?: string;
  /** The provider's own error body, when it differs from `message`. */
  providerRaw?: unknown;
  requestBody?: unknown;
  responseBody?: unknown;
  headers?: Record<string, string>;
};

let sequence = 0;

/**
 * A request log as `GET /requests/logs/{id}` details it (webhook-sources.md); its list entry is
 * the same without `request` and `response`.
 */
export function requestLog(
  account: string,
  provider: string,
  spec: RequestSpec,
  n: number,
  at = now(),
): RequestLogRecord {
  const url = new URL(spec.url);
  const method = spec.method ?? "GET";
  const failed = spec.status >= 400;
  const providerErrors = failed
    ? [
        {
          status: spec.status,
          url: spec.url,
          raw: spec.providerRaw ?? spec.message ?? "",
          headers: spec.headers ?? {},
        },
      ]
    : [];
  const requestId = `req_${account}_${Date.now()}_${n}_${++sequence}`;
  return {
    request_id: requestId,
    account_id: account,
    project_id: "proj_quirkwatch_demo",
    provider,
    service: url.pathname.split("/")[2] ?? "unified",
    resource: spec.resource,
    http_method: method,
    path: url.pathname,
    url: spec.url,
    status: spec.status,
    success: !failed,
    duration: 734,
    start_time: at,
    end_time: at,
    event_datetime: at,
    request: {
      id: requestId,
      method,
      headers: { "x-account-id": account },
      body: spec.requestBody,
      url: { url: spec.url, hostname: url.hostname, path: url.pathname, query_params: {} },
    },
    response: {
      status_code: spec.status,
      headers: {},
      body: failed
        ? {
            statusCode: spec.status,
            message: spec.message,
            timestamp: at,
            provider_errors: providerErrors,
          }
        : spec.responseBody,
      provider_errors: providerErrors,
      custom_mapping_errors: [],
    },
  };
}

/** A request scenario: StackOne's webhook carrying the request log, and the log itself. */
export function request(account: string, provider: string, spec: RequestSpec) {
  return {
    payload: (n: number) => ({
      event: spec.status < 400 ? "request.succeeded" : "request.failed",
      event_date: now(),
      account_id: account,
      provider,
      origin_owner_id: `org_${account}`,
      origin_owner_name: ORGS[account] ?? "Example Customer",
      data: requestLog(account, provider, spec, n),
    }),
    log: (n: number) => requestLog(account, provider, spec, n),
  };
}

/** An `account.*` platform event, as StackOne's webhooks send it. */
function accountEvent(account: string, provider: string, event: string, status: string) {
  return () => ({
    event,
    event_date: now(),
    account_id: account,
    provider,
    origin_owner_id: `org_${account}`,
    origin_owner_name: ORGS[account] ?? "Example Customer",
    data: { id: account, provider, status, origin_owner_name: ORGS[account] },
  });
}

/** The demo's customers: linked account id to the customer's name (origin_owner_name). */
export const ORGS: Record<string, string> = {
  acme_hibob: "Acme GmbH",
  globex_greenhouse: "Globex Corporation",
  initech_smartrecruiters: "Initech",
  umbrella_lever: "Umbrella Health",
  hooli_bullhorn: "Hooli Staffing",
  stark_teamtailor: "Stark Industries",
  wayne_workday: "Wayne Enterprises",
};

const API = "https://api.stackone.com/unified";

/** Lever down for maintenance: what every account's candidate list gets (demo, storm test and bench). */
export const LEVER_DOWN: RequestSpec = {
  status: 503,
  url: `${API}/ats/candidates`,
  resource: "candidates",
  message: "Service Unavailable",
  providerRaw: { message: "Lever is down for scheduled maintenance" },
};

/** Greenhouse refusing an account's credentials (the storm test's and bench's flood). */
export const GREENHOUSE_REVOKED: RequestSpec = {
  status: 401,
  url: `${API}/ats/jobs`,
  resource: "jobs",
  message: "Unauthorized",
  providerRaw: { message: "Invalid Basic Auth credentials" },
};

/** `npm run demo -- --outage`: Lever down for 12 demo customers, three failed requests each. */
export const LEVER_OUTAGE: Scenario[] = [
  "Soylent Foods",
  "Cyberdyne Systems",
  "Tyrell Corporation",
  "Wonka Industries",
  "Oscorp",
  "Massive Dynamic",
  "Aperture Science",
  "Gringotts",
  "Vandelay Industries",
  "Dunder Mifflin",
  "Pied Piper",
  "Los Pollos Hermanos",
].map((name, i) => {
  const account = `outage_lever_${i + 1}`;
  ORGS[account] = name;
  return {
    name: `Lever down for ${name}`,
    rule: "lever.503",
    repeat: 3,
    ...request(account, "lever", LEVER_DOWN),
  };
});

/** A Bullhorn note create that Bullhorn accepted (201), at `path` with this body. */
const bullhornNote = (path: string, requestBody: unknown) =>
  request("hooli_bullhorn", "bullhorn", {
    status: 201,
    method: "POST",
    url: `${API}${path}`,
    resource: "notes",
    requestBody,
  });

export const SCENARIOS: Scenario[] = [
  {
    name: "Hibob: API key missing permissions (501)",
    rule: "hibob.501_missing_permissions",
    repeat: 1,
    ...request("acme_hibob", "hibob", {
      status: 501,
      url: `${API}/hris/employees`,
      resource: "employees",
      message: "The API key is missing permissions to access the given endpoint",
    }),
  },
  {
    name: "Hibob: employment_status null (Lifecycle permission missing)",
    rule: "hibob.employment_status_missing",
    repeat: 1,
    ...request("acme_hibob", "hibob", {
      status: 200,
      url: `${API}/hris/employees`,
      resource: "employees",
      responseBody: {
        data: [{ id: "3332883884017713238", termination_date: null, employment_status: null }],
      },
    }),
  },
  {
    name: "Hibob: service user lacks a permission (403, in Hibob's words)",
    rule: "hibob.403",
    repeat: 1,
    ...request("acme_hibob", "hibob", {
      status: 403,
      url: `${API}/hris/employees/3332883884017713238/compensation`,
      resource: "employees",
      message: "Forbidden",
      providerRaw: { message: "Missing permissions: People > Payroll" },
    }),
  },
  {
    name: "Greenhouse: invalid on-behalf-of user (404)",
    rule: "greenhouse.404_on_behalf_of",
    repeat: 1,
    ...request("globex_greenhouse", "greenhouse", {
      status: 404,
      method: "POST",
      url: `${API}/ats/candidates`,
      resource: "candidates",
      message: "Invalid On-Behalf-Of user id",
    }),
  },
  {
    name: "SmartRecruiters: rate limited while backfilling (429)",
    rule: "smartrecruiters.429",
    repeat: 12,
    ...request("initech_smartrecruiters", "smartrecruiters", {
      status: 429,
      url: `${API}/ats/applications`,
      resource: "applications",
      message: "Too Many Requests",
      headers: { "retry-after": "30" },
    }),
  },
  {
    name: "SmartRecruiters: interviews filtered by candidate status (expected)",
    rule: "smartrecruiters.interview_status_filter",
    repeat: 1,
    ...request("initech_smartrecruiters", "smartrecruiters", {
      status: 200,
      url: `${API}/ats/interviews`,
      resource: "interviews",
      responseBody: { data: [] },
    }),
  },
  ...(
    [
      [400, "Invalid request: missing parameter 'posting_id'"],
      [401, "Unauthorized"],
      [403, "The OAuth app is not authorized to perform this operation"],
      [429, "Too many requests"],
      [500, "Internal server error"],
      [503, "Lever is down for maintenance"],
    ] as const
  ).map(
    ([status, message]): Scenario => ({
      name: `Lever: ${status}`,
      rule: `lever.${status}`,
      repeat: status === 429 ? 12 : status >= 500 ? 3 : 1,
      ...request("umbrella_lever", "lever", {
        status,
        url: `${API}/ats/candidates`,
        resource: "candidates",
        message,
      }),
    }),
  ),
  {
    name: "Bullhorn: note created without a candidate_id",
    rule: "bullhorn.note_missing_candidate_id",
    repeat: 1,
    ...bullhornNote("/ats/notes", { content: "Called the candidate", author_id: "1234" }),
  },
  {
    name: "Bullhorn: note created on candidate 'undefined' (same incident as above)",
    rule: "bullhorn.note_invalid_candidate_path_id",
    repeat: 1,
    ...bullhornNote("/ats/candidates/undefined/notes", {
      content: "Called the candidate",
      author_id: "1234",
    }),
  },
  {
    name: "Bullhorn: a well-formed note (no problem)",
    rule: "stackone.fallback_2xx",
    repeat: 1,
    ...bullhornNote("/ats/notes", {
      content: "Called the candidate",
      candidate_id: "48213",
      author_id: "1234",
    }),
  },
  {
    name: "Bullhorn: note created without an author_id",
    rule: "bullhorn.note_missing_author_id",
    repeat: 1,
    ...bullhornNote("/ats/notes", { content: "Called the candidate", candidate_id: "48213" }),
  },
  {
    name: "Teamtailor: missing permissions (501)",
    rule: "teamtailor.501_missing_permissions",
    repeat: 1,
    ...request("stark_teamtailor", "teamtailor", {
      status: 501,
      url: `${API}/ats/jobs`,
      resource: "jobs",
      message: "Not implemented: missing permissions",
    }),
  },
  {
    name: "StackOne: linked account disabled (412)",
    rule: "stackone.412",
    repeat: 1,
    ...request("stark_teamtailor", "teamtailor", {
      status: 412,
      url: `${API}/ats/candidates`,
      resource: "candidates",
      message: "The linked account is disabled",
    }),
  },
  {
    name: "Workday: account connected (no problem)",
    rule: "stackone.fallback_info",
    repeat: 1,
    payload: accountEvent("wayne_workday", "workday", "account.created", "active"),
  },
  {
    name: "Workday: account deleted (resolves its incidents quietly)",
    rule: "stackone.account_deleted",
    repeat: 1,
    payload: accountEvent("wayne_workday", "workday", "account.deleted", "inactive"),
  },
];
