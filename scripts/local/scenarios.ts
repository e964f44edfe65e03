/**
 * One realistic StackOne webhook for each problem on the quirks page, for `npm run demo` and the
 * end-to-end bench. `repeat` sends it that many times (a rate limit only alerts when sustained).
 */
export type Scenario = {
  name: string;
  rule: string;
  repeat: number;
  payload: (n: number) => unknown;
};

const now = () => new Date().toISOString();

/** A StackOne request log webhook: failed (status >= 400) or succeeded, for `account`. */
export function failed(
  account: string,
  provider: string,
  log: {
    status: number;
    method?: string;
    url: string;
    resource: string;
    message?: string;
    requestBody?: unknown;
    responseBody?: unknown;
    headers?: Record<string, string>;
  },
) {
  return (n: number) => ({
    event: log.status < 400 ? "request.succeeded" : "request.failed",
    event_date: now(),
    account_id: account,
    provider,
    origin_owner_id: `org_${account}`,
    origin_owner_name: ORGS[account] ?? "Example Customer",
    data: {
      request_id: `req_${account}_${Date.now()}_${n}`,
      account_id: account,
      provider,
      resource: log.resource,
      status: log.status,
      success: log.status < 400,
      event_datetime: now(),
      request: { method: log.method ?? "GET", url: log.url, body: log.requestBody },
      response: {
        status_code: log.status,
        body: log.responseBody,
        provider_errors:
          log.status >= 400
            ? [
                {
                  status: log.status,
                  url: log.url,
                  raw: log.message ?? "",
                  headers: log.headers ?? {},
                },
              ]
            : [],
      },
      message: log.message,
    },
  });
}

const ORGS: Record<string, string> = {
  acme_hibob: "Acme GmbH",
  globex_greenhouse: "Globex Corporation",
  initech_smartrecruiters: "Initech",
  umbrella_lever: "Umbrella Health",
  hooli_bullhorn: "Hooli Staffing",
  stark_teamtailor: "Stark Industries",
};

const API = "https://api.stackone.com/unified";

export const SCENARIOS: Scenario[] = [
  {
    name: "Hibob: API key missing permissions (501)",
    rule: "hibob.501_missing_permissions",
    repeat: 1,
    payload: failed("acme_hibob", "hibob", {
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
    payload: failed("acme_hibob", "hibob", {
      status: 200,
      url: `${API}/hris/employees`,
      resource: "employees",
      responseBody: {
        data: [{ id: "3332883884017713238", termination_date: null, employment_status: null }],
      },
    }),
  },
  {
    name: "Greenhouse: invalid on-behalf-of user (404)",
    rule: "greenhouse.404_on_behalf_of",
    repeat: 1,
    payload: failed("globex_greenhouse", "greenhouse", {
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
    payload: failed("initech_smartrecruiters", "smartrecruiters", {
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
    payload: failed("initech_smartrecruiters", "smartrecruiters", {
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
      payload: failed("umbrella_lever", "lever", {
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
    payload: failed("hooli_bullhorn", "bullhorn", {
      status: 201,
      method: "POST",
      url: `${API}/ats/notes`,
      resource: "notes",
      requestBody: { content: "Called the candidate", author_id: "1234" },
    }),
  },
  {
    name: "Bullhorn: note created without an author_id",
    rule: "bullhorn.note_missing_author_id",
    repeat: 1,
    payload: failed("hooli_bullhorn", "bullhorn", {
      status: 201,
      method: "POST",
      url: `${API}/ats/notes`,
      resource: "notes",
      requestBody: { content: "Called the candidate", candidate_id: "48213" },
    }),
  },
  {
    name: "Teamtailor: missing permissions (501)",
    rule: "teamtailor.501_missing_permissions",
    repeat: 1,
    payload: failed("stark_teamtailor", "teamtailor", {
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
    payload: failed("stark_teamtailor", "teamtailor", {
      status: 412,
      url: `${API}/ats/candidates`,
      resource: "candidates",
      message: "The linked account is disabled",
    }),
  },
];
