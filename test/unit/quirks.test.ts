import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  bullhornNoteCreated,
  requestFailed as failedWebhook,
  greenhouseCandidateCreate,
  hibobEmployeesList,
  type LogSpec,
  leverCandidatesList,
  requestLogRecord,
} from "../../scripts/stackone-payloads.ts";
import { createClassifier } from "../../shared/classify/classifier.ts";
import type { IntegrationEventInput } from "../../shared/events/event.ts";
import { parseEvent } from "../../shared/events/parse-event.ts";
import { BUILTIN_RULES } from "../../shared/quirks/catalog.ts";
import { CATEGORIES, POLICIES, QuirkRule, type QuirkRuleInput } from "../../shared/quirks/rule.ts";
import { normalizeStackone } from "../../shared/sources/stackone/normalize.ts";

const classifier = createClassifier(BUILTIN_RULES);

function classifyPayload(payload: Record<string, unknown>) {
  const event = normalizeStackone(payload, JSON.stringify(payload));
  return { event, result: classifier.classify(event) };
}

/** A StackOne request-log record of Acme Recruiting's account, as the dashboard's logs API returns it. */
const requestLog = (log: LogSpec) =>
  requestLogRecord(log, {
    request_id: "4f0e1c2a-8b1d-4e55-9a3c-1f2e3d4c5b6a",
    account_id: "45355976281015164504",
    duration: 734,
    event_datetime: "2025-03-04T10:21:33.412Z",
  });

/** A `request.failed` webhook carrying a request-log record. */
const requestFailed = (log: Record<string, unknown>) =>
  failedWebhook(log, {
    event_date: "2025-03-04T10:21:34.000Z",
    origin_owner_id: "org_7731",
    origin_owner_name: "Acme Recruiting Ltd",
    origin_username: "jane.doe@acme.example",
  });

function accountEvent(event: string, provider: string, status: string): Record<string, unknown> {
  return {
    event,
    event_date: "2025-03-04T09:00:00.000Z",
    project_id: "p_8d2c0f6e",
    account_id: "45355976281015164504",
    provider,
    origin_owner_id: "org_7731",
    origin_owner_name: "Acme Recruiting Ltd",
    origin_username: "jane.doe@acme.example",
    data: {
      id: "45355976281015164504",
      provider,
      status,
      origin_owner_id: "org_7731",
      origin_owner_name: "Acme Recruiting Ltd",
      updated_at: "2025-03-04T09:00:00.000Z",
    },
  };
}

describe("Hibob", () => {
  it("501 from missing API permissions asks the customer to grant them and re-authenticate", () => {
    const { result } = classifyPayload({
      statusCode: 501,
      message: "Not Implemented: the API credentials are missing permissions for this endpoint",
      timestamp: "2025-03-04T10:21:33.412Z",
      account_id: "45355976281015164504",
      provider: "hibob",
      provider_errors: [
        {
          status: 403,
          url: "https://api.hibob.com/v1/people/search",
          raw: { key: "permission.denied", error: "Forbidden" },
          headers: { "content-type": "application/json" },
        },
      ],
    });
    expect(result.rule_id).toBe("hibob.501_missing_permissions");
    // The same symptom as Teamtailor's 501: the same category.
    expect(result.category).toBe("missing_permissions");
    expect(result.remediation.join(" ")).toMatch(/re-authenticate/);
  });

  const employees = (first: Record<string, unknown>, second: Record<string, unknown>) =>
    requestLog(
      hibobEmployeesList(2, {
        next: "eyJyZW1vdGVfaWQiOiIzMzMyODgzOTg0In0",
        data: [
          {
            id: "3332883884017713238",
            remote_id: "3332883884017713238",
            first_name: "Ada",
            last_name: "Byron",
            display_name: "Ada Byron",
            work_email: "ada.byron@acme.example",
            job_title: "Engineer",
            start_date: "2021-09-01T00:00:00.000Z",
            ...first,
          },
          {
            id: "3332883984017713240",
            remote_id: "3332883984017713240",
            first_name: "Grace",
            last_name: "Hopper",
            display_name: "Grace Hopper",
            work_email: "grace.hopper@acme.example",
            job_title: "Director",
            start_date: "2019-02-11T00:00:00.000Z",
            ...second,
          },
        ],
      }),
    );

  it("employees without employment_status point to the Lifecycle permission", () => {
    const { result } = classifyPayload(
      employees(
        { employment_status: null, termination_date: null },
        { employment_status: null, termination_date: null },
      ),
    );
    expect(result.rule_id).toBe("hibob.employment_status_missing");
    expect(result.category).toBe("silent_data_issue");
    expect(result.remediation.join(" ")).toMatch(/View selected employees' Lifecycle sections/);
    expect(result.docs_url).toMatch(/hibob/);
  });

  it("employees with employment_status left out of the response entirely are flagged too", () => {
    const { result } = classifyPayload(employees({}, {}));
    expect(result.rule_id).toBe("hibob.employment_status_missing");
  });

  it("a null termination_date on active employees is normal", () => {
    const active = { employment_status: { value: "active", source_value: "Employed" } };
    const { result } = classifyPayload(
      employees({ ...active, termination_date: null }, { ...active, termination_date: null }),
    );
    expect(result.rule_id).toBe("stackone.fallback_2xx");
    expect(result.must_act).toBe("nobody");
  });

  it("a successful employees call without a response body sample is not flagged", () => {
    const log = employees({}, {});
    const { result } = classifyPayload({
      ...log,
      response: { status_code: 200, provider_errors: [] },
    });
    expect(result.rule_id).toBe("stackone.fallback_2xx");
  });
});

describe("Greenhouse", () => {
  it("404 on a create (invalid on-behalf-of user at linking) asks to re-authenticate", () => {
    const { result } = classifyPayload(
      requestFailed(
        requestLog(
          greenhouseCandidateCreate(
            { first_name: "Alan", last_name: "Turing", emails: [] },
            { message: "Resource not found" },
            { "content-type": "application/json; charset=utf-8" },
          ),
        ),
      ),
    );
    expect(result.rule_id).toBe("greenhouse.404_on_behalf_of_create");
    expect(result.category).toBe("reauth_required");
    expect(result.remediation.join(" ")).toMatch(/re-authenticate .*on-behalf-of/);
  });

  it("404 whose error names the on-behalf-of user asks to re-authenticate", () => {
    const { result } = classifyPayload({
      statusCode: 404,
      message: "Not Found",
      timestamp: "2025-03-04T10:21:33.412Z",
      account_id: "45355976281015164504",
      provider: "greenhouse",
      provider_errors: [
        {
          status: 404,
          url: "https://harvest.greenhouse.io/v1/candidates/40213350003/activity_feed/notes",
          raw: { message: "User with id 4080012 given in On-Behalf-Of header does not exist" },
        },
      ],
    });
    expect(result.rule_id).toBe("greenhouse.404_on_behalf_of");
    expect(result.category).toBe("reauth_required");
  });

  it("an ordinary Greenhouse 404 stays not_found", () => {
    const { result } = classifyPayload(
      requestLog({
        provider: "greenhouse",
        resource: "candidates",
        action: "get",
        status: 404,
        method: "GET",
        url: "https://api.stackone.com/unified/ats/candidates/40213350003",
        providerErrors: [
          {
            status: 404,
            url: "https://harvest.greenhouse.io/v1/candidates/40213350003",
            raw: { message: "Resource not found" },
          },
        ],
      }),
    );
    expect(result.rule_id).toBe("stackone.404");
    expect(result.category).toBe("not_found");
  });
});

describe("SmartRecruiters", () => {
  it("429 explains the restrictive limits and slow backfill", () => {
    const { result } = classifyPayload(
      requestFailed(
        requestLog({
          provider: "smartrecruiters",
          resource: "applications",
          action: "list",
          status: 429,
          method: "GET",
          url: "https://api.stackone.com/unified/ats/applications?page_size=25",
          providerErrors: [
            {
              status: 429,
              url: "https://api.smartrecruiters.com/candidates/3f0a6e2c/jobs",
              raw: { message: "Too many requests", errors: [{ code: "RATE_LIMIT_EXCEEDED" }] },
              headers: { "Retry-After": "3", "X-RateLimit-Remaining": "0" },
            },
          ],
        }),
      ),
    );
    expect(result.rule_id).toBe("smartrecruiters.429");
    expect(result.category).toBe("rate_limited");
    expect(result.what_happened).toMatch(/applications and interviews/);
    expect(result.remediation.join(" ")).toMatch(/retryConfig/);
    expect(result.alert.threshold.count).toBeGreaterThan(1);
  });

  it("a timed-out interview listing is the slow backfill", () => {
    const { event, result } = classifyPayload(
      requestLog({
        provider: "smartrecruiters",
        resource: "interviews",
        action: "list",
        status: 408,
        method: "GET",
        url: "https://api.stackone.com/unified/ats/interviews?page_size=100",
        providerErrors: [
          {
            status: 408,
            url: "https://api.stackone.com/unified/ats/interviews",
            raw: "Request timed out after 5 attempts",
            headers: { "retry-after": "60" },
          },
        ],
      }),
    );
    expect(event.retry_after_seconds).toBe(60);
    expect(result.rule_id).toBe("smartrecruiters.408_backfill");
    expect(result.category).toBe("rate_limited");
    expect(result.remediation.join(" ")).toMatch(/smaller pages/);
  });

  it("a successful interview listing explains the status filter and is never alerted", () => {
    const { result } = classifyPayload(
      requestLog({
        provider: "smartrecruiters",
        resource: "interviews",
        action: "list",
        status: 200,
        method: "GET",
        url: "https://api.stackone.com/unified/ats/interviews?page_size=25",
        responseBody: {
          data: [{ id: "8f3b1c0e", application_id: "a-1", interview_status: "scheduled" }],
        },
      }),
    );
    expect(result.rule_id).toBe("smartrecruiters.interview_status_filter");
    expect(result.category).toBe("expected_behaviour");
    expect(result.what_happened).toMatch(/INTERVIEW, OFFERED, HIRED or TRANSFERRED/);
    expect(result.must_act).toBe("nobody");
  });
});

describe("Lever", () => {
  const leverFailure = (status: number, raw: Record<string, unknown>) =>
    requestFailed(requestLog(leverCandidatesList(status, raw)));

  it.each([
    [
      400,
      "lever.400",
      "invalid_request",
      /Double-check the query parameters and body data/,
      "BadRequestError",
    ],
    [401, "lever.401", "reauth_required", /verify their Lever credentials/, "UnauthorizedError"],
    [403, "lever.403", "missing_permissions", /Super Admin/, "ForbiddenError"],
    [429, "lever.429", "rate_limited", /retryConfig/, "TooManyRequestsError"],
    [
      500,
      "lever.500",
      "server_error",
      /Contact StackOne support .*request id/,
      "InternalServerError",
    ],
    [503, "lever.503", "provider_unavailable", /exponential backoff/, "ServiceUnavailableError"],
  ])("%i -> %s", (status, ruleId, category, remediation, code) => {
    const { result } = classifyPayload(
      leverFailure(status, { code, message: `${code} from Lever` }),
    );
    expect(result.rule_id).toBe(ruleId);
    expect(result.category).toBe(category);
    expect(result.remediation.join(" ")).toMatch(remediation);
  });
});

describe("Bullhorn notes", () => {
  const noteCreated = (url: string, body: unknown) =>
    requestLog(bullhornNoteCreated(url, body, "98124"));
  const content = [{ body: "Phone screen went well, moving to onsite." }];

  it("a note created without candidate_id is stored but invisible", () => {
    const { result } = classifyPayload(
      noteCreated("https://api.stackone.com/unified/ats/notes", {
        content,
        author_id: "4123",
        visibility: "private",
      }),
    );
    expect(result.rule_id).toBe("bullhorn.note_missing_candidate_id");
    expect(result.category).toBe("silent_data_issue");
    expect(result.what_happened).toMatch(/nowhere in the Bullhorn UI/);
    expect(result.remediation.join(" ")).toMatch(/numeric id as candidate_id/);
  });

  it("a note created with a non-numeric candidate_id (body sent as a JSON string)", () => {
    const { result } = classifyPayload(
      noteCreated(
        "https://api.stackone.com/unified/ats/notes",
        JSON.stringify({ candidate_id: "c28xIyMyMzQ", content, author_id: "4123" }),
      ),
    );
    expect(result.rule_id).toBe("bullhorn.note_invalid_candidate_id");
    expect(result.category).toBe("silent_data_issue");
  });

  it("a note created on /candidates/undefined/notes", () => {
    const { result } = classifyPayload(
      noteCreated("https://api.stackone.com/unified/ats/candidates/undefined/notes", {
        content,
        author_id: "4123",
      }),
    );
    expect(result.rule_id).toBe("bullhorn.note_invalid_candidate_path_id");
    expect(result.category).toBe("silent_data_issue");
  });

  it("a note created without author_id silently gets the API user as author", () => {
    const { result } = classifyPayload(
      noteCreated("https://api.stackone.com/unified/ats/candidates/271184/notes", { content }),
    );
    expect(result.rule_id).toBe("bullhorn.note_missing_author_id");
    expect(result.category).toBe("silent_data_issue");
    expect(result.remediation.join(" ")).toMatch(/Send author_id/);
  });

  it("a bad candidate outranks a missing author", () => {
    const body = noteCreated("https://api.stackone.com/unified/ats/notes", { content });
    expect(classifyPayload(body).result.rule_id).toBe("bullhorn.note_missing_candidate_id");
    const path = noteCreated("https://api.stackone.com/unified/ats/candidates/null/notes", {
      content,
    });
    expect(classifyPayload(path).result.rule_id).toBe("bullhorn.note_invalid_candidate_path_id");
  });

  it("well-formed notes in either form are not flagged", () => {
    for (const payload of [
      noteCreated("https://api.stackone.com/unified/ats/candidates/271184/notes", {
        content,
        author_id: "4123",
      }),
      noteCreated("https://api.stackone.com/unified/ats/notes", {
        candidate_id: "271184",
        content,
        author_id: "4123",
      }),
    ]) {
      expect(classifyPayload(payload).result.rule_id).toBe("stackone.fallback_2xx");
    }
  });

  it("a rejected note create is an ordinary 400, not a silent issue", () => {
    const { result } = classifyPayload(
      requestFailed({
        ...noteCreated("https://api.stackone.com/unified/ats/notes", { content }),
        status: 400,
        success: false,
        response: {
          status_code: 400,
          provider_errors: [
            {
              status: 400,
              url: "https://rest91.bullhornstaffing.com/rest-services/4xyz/entity/Note",
              raw: { errorMessage: "error persisting an entity of type: Note", errorCode: 400 },
            },
          ],
        },
      }),
    );
    expect(result.rule_id).toBe("stackone.400");
  });
});

describe("Teamtailor", () => {
  it("501 means the API key is missing permissions", () => {
    const { result } = classifyPayload(
      requestFailed(
        requestLog({
          provider: "teamtailor",
          resource: "jobs",
          action: "list",
          status: 501,
          method: "GET",
          url: "https://api.stackone.com/unified/ats/jobs",
          providerErrors: [
            {
              status: 403,
              url: "https://api.teamtailor.com/v1/jobs",
              raw: {
                errors: [{ status: "403", title: "Forbidden", detail: "API key lacks scope" }],
              },
            },
          ],
        }),
      ),
    );
    expect(result.rule_id).toBe("teamtailor.501_missing_permissions");
    expect(result.category).toBe("missing_permissions");
    expect(result.remediation.join(" ")).toMatch(/re-authenticate/);
  });
});

describe("StackOne status codes for any provider", () => {
  it.each([
    [400, "stackone.400", "invalid_request", /Fix the request/],
    [401, "stackone.401", "reauth_required", /re-authenticate/],
    [403, "stackone.403", "missing_permissions", /StackOne API key.*grant it in the provider/],
    [404, "stackone.404", "not_found", /record ids/],
    [408, "stackone.408", "provider_unavailable", /Retry-After .*60 seconds/],
    [412, "stackone.412", "account_disabled", /enable it/],
    [422, "stackone.422", "invalid_request", /provider_errors/],
    [429, "stackone.429", "rate_limited", /Retry-After/],
    [500, "stackone.500", "server_error", /StackOne support .*request id/],
    [501, "stackone.501", "not_supported", /Stop calling this endpoint/],
    [502, "stackone.502", "provider_unavailable", /exponential backoff/],
    [503, "stackone.503", "provider_unavailable", /exponential backoff/],
  ])("%i -> %s", (status, ruleId, category, remediation) => {
    const { result } = classifyPayload({
      statusCode: status,
      message: `Request failed with status ${status}`,
      timestamp: "2025-03-04T10:21:33.412Z",
      account_id: "45355976281015164504",
      provider: "workday",
      provider_errors: [],
    });
    expect(result.rule_id).toBe(ruleId);
    expect(result.category).toBe(category);
    expect(result.remediation.join(" ")).toMatch(remediation);
  });

  it("408 honours the Retry-After StackOne passes on", () => {
    const { event, result } = classifyPayload({
      statusCode: 408,
      message: "Request timed out",
      timestamp: "2025-03-04T10:21:33.412Z",
      account_id: "45355976281015164504",
      provider: "personio",
      provider_errors: [
        {
          status: 429,
          url: "https://api.personio.de/v1/company/employees",
          raw: "rate limit",
          headers: { "Retry-After": "120" },
        },
      ],
    });
    expect(result.rule_id).toBe("stackone.408");
    expect(result.retry.backoff).toBe("retry_after");
    expect(event.retry_after_seconds).toBe(120);
  });

  it("a provider rule beats the generic one for the same status", () => {
    const lever = classifyPayload({
      statusCode: 429,
      message: "Too many requests",
      account_id: "45355976281015164504",
      provider: "lever",
    });
    const other = classifyPayload({
      statusCode: 429,
      message: "Too many requests",
      account_id: "45355976281015164504",
      provider: "ashby",
    });
    expect(lever.result.rule_id).toBe("lever.429");
    expect(other.result.rule_id).toBe("stackone.429");
  });
});

describe("provider 401 and 403", () => {
  const refused = (provider: string, status: number, raw: unknown = "Forbidden") =>
    classifyPayload({
      event: "request.failed",
      account_id: "acc_42",
      provider,
      data: {
        statusCode: status,
        message: status === 401 ? "Unauthorized" : "Forbidden",
        provider_errors: [{ status, raw }],
      },
    }).result;

  it("Hibob's 403 'Missing permissions: People > Payroll' names Hibob's fix, in both wordings", () => {
    const result = refused("hibob", 403, { message: "Missing permissions: People > Payroll" });
    expect(result.rule_id).toBe("hibob.403");
    expect(result.remediation.join(" ")).toMatch(/permission group/);
    expect(result.remediation.join(" ")).not.toMatch(/User-Agent|StackOne API key/);
    expect(result.customer?.remediation.join(" ")).toMatch(/Hibob.*permission group/);
  });

  it.each([
    ["hibob", /service user/],
    ["greenhouse", /Harvest API key/],
    ["smartrecruiters", /Credential/],
    ["lever", /Lever/],
    ["bullhorn", /API user/],
    ["teamtailor", /API key/],
  ])("%s has its own 401 and 403 rules, with its own remediation", (provider, words) => {
    for (const status of [401, 403]) {
      const result = refused(provider, status);
      expect(result.rule_id).toBe(`${provider}.${status}`);
      expect(result.must_act).toBe("customer");
      expect(result.remediation.join(" ")).toMatch(words);
      expect(result.customer?.remediation.join(" ")).toMatch(words);
    }
  });

  it("other providers fall back to the generic rules, which say the key is StackOne's", () => {
    for (const status of [401, 403]) {
      const result = refused("workday", status);
      expect(result.rule_id).toBe(`stackone.${status}`);
      expect(result.remediation[0]).toMatch(/StackOne API key/);
    }
  });

  it("cites each provider rule's source: the quirks page or the provider's own documentation", () => {
    const providerRules = BUILTIN_RULES.filter((r) => /^[a-z]+\.(401|403)$/.test(r.id));
    expect(providerRules.length).toBeGreaterThanOrEqual(12);
    for (const rule of providerRules.filter((r) => r.provider !== undefined)) {
      const { source } = rule;
      if (source.page === "provider-docs") expect(source.url, rule.id).toMatch(/^https:\/\//);
      else expect(source.page, rule.id).toBe("stackone-integration-quirks");
    }
  });
});

describe("account events", () => {
  it.each([
    ["account.error", "error", "stackone.account_error"],
    ["account.expired", "expired", "stackone.account_error"],
    ["account.updated", "error", "stackone.account_updated_error"],
    ["account.updated", "expired", "stackone.account_updated_error"],
    ["account.updated", "inactive", "stackone.account_updated_error"],
    ["account.updated", "suspended", "stackone.account_updated_error"],
  ])("%s with status %s needs re-authentication", (type, status, ruleId) => {
    const { result } = classifyPayload(accountEvent(type, "bamboohr", status));
    expect(result.rule_id).toBe(ruleId);
    expect(result.category).toBe("reauth_required");
    expect(result.remediation.join(" ")).toMatch(/connect session/);
    expect(result.alert.threshold.count).toBe(1);
  });

  it("account.updated to archived resolves quietly, like account.deleted", () => {
    const { event, result } = classifyPayload(
      accountEvent("account.updated", "bamboohr", "archived"),
    );
    expect(event.kind).toBe("account_deleted");
    expect(result.rule_id).toBe("stackone.account_archived");
    expect(result.must_act).toBe("nobody");
  });

  it("a status StackOne does not have, such as revoked, is no failure", () => {
    const { event } = classifyPayload(accountEvent("account.updated", "bamboohr", "revoked"));
    expect(event.kind).toBe("info");
  });

  it("account.updated back to active is a silent recovery", () => {
    const { event, result } = classifyPayload(
      accountEvent("account.updated", "bamboohr", "active"),
    );
    expect(event.kind).toBe("recovery");
    expect(result.rule_id).toBe("stackone.account_recovered");
    expect(result.must_act).toBe("nobody");
  });
});

describe("fallbacks", () => {
  const failure = (status: number) => ({
    statusCode: status,
    message: "Conflict: a candidate with this email already exists",
    account_id: "45355976281015164504",
    provider: "workable",
  });

  it("an unknown 4xx is a request problem", () => {
    const { result } = classifyPayload(failure(409));
    expect(result.rule_id).toBe("stackone.fallback_4xx");
    expect(result.category).toBe("invalid_request");
  });

  it("an unknown 5xx is a server error", () => {
    const { result } = classifyPayload(failure(504));
    expect(result.rule_id).toBe("stackone.fallback_5xx");
    expect(result.category).toBe("server_error");
  });

  it("success and redirects are expected and silent", () => {
    for (const [status, ruleId] of [
      [200, "stackone.fallback_2xx"],
      [304, "stackone.fallback_3xx"],
    ] as const) {
      const { result } = classifyPayload(
        requestLog({
          provider: "workable",
          resource: "jobs",
          action: "list",
          status,
          method: "GET",
          url: "https://api.stackone.com/unified/ats/jobs",
        }),
      );
      expect(result.rule_id).toBe(ruleId);
      expect(result.category).toBe("expected_behaviour");
      expect(result.must_act).toBe("nobody");
    }
  });

  it("an error with no status is unknown but still alerted", () => {
    const { event, result } = classifyPayload({
      event: "request.failed",
      event_date: "2025-03-04T10:21:34.000Z",
      account_id: "45355976281015164504",
      provider: "workable",
      data: { message: "socket hang up", code: "ECONNRESET" },
    });
    expect(event.http?.status).toBeUndefined();
    expect(result.rule_id).toBe("stackone.fallback_error");
    expect(result.category).toBe("unknown");
    expect(result.must_act).not.toBe("nobody");
  });

  it("an informational event with no status is expected and silent", () => {
    const { result } = classifyPayload(accountEvent("account.created", "workable", "active"));
    expect(result.rule_id).toBe("stackone.fallback_info");
    expect(result.must_act).toBe("nobody");
  });

  it("a data warning from another sender is a silent data issue", () => {
    const event = parseEvent({
      id: "evt_1",
      source: "generic",
      kind: "data_warning",
      occurred_at: "2025-03-04T10:21:34.000Z",
      account: { id: "acc_1" },
      provider: "personio",
    } satisfies IntegrationEventInput);
    const result = classifier.classify(event);
    expect(result.rule_id).toBe("stackone.fallback_data_warning");
    expect(result.category).toBe("silent_data_issue");
  });

  const anyEvent = fc.record({
    kind: fc.constantFrom("error", "recovery", "data_warning", "info"),
    status: fc.option(fc.integer({ min: 100, max: 599 }), { nil: undefined }),
    provider: fc.constantFrom(
      "hibob",
      "greenhouse",
      "smartrecruiters",
      "lever",
      "bullhorn",
      "teamtailor",
      "workday",
    ),
    method: fc.option(fc.constantFrom("GET", "POST", "PATCH", "DELETE"), { nil: undefined }),
    path: fc.option(
      fc.constantFrom(
        "/unified/ats/notes",
        "/unified/ats/candidates/x/notes",
        "/unified/hris/employees",
        "/unified/ats/interviews",
        "/unified/ats/candidates",
      ),
      { nil: undefined },
    ),
    type: fc.option(
      fc.constantFrom("request.failed", "account.updated", "account.error", "account.created"),
      { nil: undefined },
    ),
    message: fc.option(fc.string(), { nil: undefined }),
    body: fc.option(fc.jsonValue({ maxDepth: 3 }), { nil: undefined }),
  });

  it("every event gets a rule and a category, and an error is never silenced", () => {
    fc.assert(
      fc.property(anyEvent, (e) => {
        const event = parseEvent({
          id: "evt_1",
          source: "stackone",
          kind: e.kind,
          type: e.type,
          occurred_at: "2025-03-04T10:21:34.000Z",
          account: { id: "acc_1" },
          provider: e.provider,
          http: { status: e.status, method: e.method, path: e.path },
          error: e.message === undefined ? undefined : { message: e.message },
          request_body: e.body as IntegrationEventInput["request_body"],
          response_body: e.body as IntegrationEventInput["response_body"],
        } satisfies IntegrationEventInput);
        const result = classifier.classify(event);
        expect(result.rule_id).not.toBe("quirkwatch.unclassified");
        expect(CATEGORIES).toContain(result.category);
        if (e.kind === "error") expect(result.must_act).not.toBe("nobody");
      }),
    );
  });
});

describe("the catalog", () => {
  it("has unique ids named after their provider", () => {
    const ids = BUILTIN_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of BUILTIN_RULES) {
      expect(rule.id.split(".")[0]).toBe(rule.provider ?? "stackone");
    }
  });

  it("cites every row and paragraph of the quirks page by a line within it", () => {
    const cited = BUILTIN_RULES.filter((r) => r.source.page === "stackone-integration-quirks");
    for (const rule of cited) {
      expect(rule.source.line, rule.id).toBeGreaterThanOrEqual(1);
      expect(rule.source.line, rule.id).toBeLessThanOrEqual(39);
    }
    const lines = new Set(cited.map((r) => r.source.line));
    for (const line of [7, 12, 16, 19, 21, 25, 26, 27, 28, 29, 30, 38, 39]) {
      expect(lines.has(line), `line ${line} has no rule`).toBe(true);
    }
    const providers = new Set(cited.map((r) => r.provider));
    for (const p of ["hibob", "greenhouse", "smartrecruiters", "lever", "bullhorn", "teamtailor"]) {
      expect(providers.has(p), `${p} has no rule from the quirks page`).toBe(true);
    }
  });

  it("covers every status code of StackOne's error guide with a generic rule", () => {
    const generic = new Set(
      BUILTIN_RULES.filter((r) => r.provider === undefined).flatMap((r) => r.match.status ?? []),
    );
    for (const status of [400, 401, 403, 404, 408, 412, 422, 429, 500, 501, 502, 503]) {
      expect(generic.has(status), `no generic rule for ${status}`).toBe(true);
    }
  });

  it("alerts according to the kind of problem", () => {
    for (const rule of BUILTIN_RULES) {
      const { alert, category } = rule;
      // Expected behaviour is explained, never an incident; everything else is a problem.
      expect(rule.must_act === "nobody", rule.id).toBe(category === "expected_behaviour");
      if (
        [
          "reauth_required",
          "missing_permissions",
          "account_disabled",
          "silent_data_issue",
        ].includes(category)
      ) {
        expect(alert.threshold.count, rule.id).toBe(1);
      }
      if (category === "rate_limited") expect(alert.threshold.count, rule.id).toBeGreaterThan(1);
    }
  });

  it("addresses the customer exactly when the customer's admin must act", () => {
    for (const rule of BUILTIN_RULES) {
      const asksCustomer = rule.remediation.some((s) => /customer/i.test(s));
      expect(rule.must_act === "customer", rule.id).toBe(asksCustomer);
    }
  });
});

describe("precedence", () => {
  const base: QuirkRuleInput = {
    id: "test.base",
    match: {},
    category: "unknown",
    severity: "warning",
    must_act: "us",
    title: "t",
    what_happened: "w",
    remediation: ["r"],
    retry: { retryable: false, backoff: "none" },
    source: { page: "quirkwatch", section: "test" },
    alert: POLICIES.transient,
  };
  const rule = (id: string, extra: Partial<QuirkRuleInput>) =>
    QuirkRule.parse({ ...base, ...extra, id });
  const event = parseEvent({
    id: "evt_1",
    source: "stackone",
    kind: "error",
    occurred_at: "2025-03-04T10:21:34.000Z",
    account: { id: "acc_1" },
    provider: "lever",
    http: { status: 429, method: "GET", path: "/unified/ats/candidates" },
  } satisfies IntegrationEventInput);

  it("a provider rule beats a generic one with more conditions", () => {
    const c = createClassifier([
      rule("any.specific", { match: { status: [429], method: ["GET"], path: "candidates" } }),
      rule("lever.plain", { provider: "lever", match: { status: [429] } }),
    ]);
    expect(c.classify(event).rule_id).toBe("lever.plain");
  });

  it("more conditions beat fewer, whatever the priority", () => {
    const c = createClassifier([
      rule("any.status", { priority: 50, match: { status: [429] } }),
      rule("any.status_and_path", { match: { status: [429], path: "candidates" } }),
    ]);
    expect(c.classify(event).rule_id).toBe("any.status_and_path");
  });

  it("priority breaks a tie", () => {
    const c = createClassifier([
      rule("any.low", { priority: 1, match: { status: [429] } }),
      rule("any.high", { priority: 2, match: { status: [429] } }),
    ]);
    expect(c.classify(event).rule_id).toBe("any.high");
  });
});
