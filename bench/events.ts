/**
 * Realistic StackOne traffic for benchmarks: a deterministic, seeded mix of the payloads the
 * rule catalog knows (Lever status codes, Hibob 501 and employees without employment_status,
 * Greenhouse 404s, SmartRecruiters rate limits and interviews, Bullhorn note creates), plus
 * generic 4xx/5xx, providers no rule names, account events and errors without a status.
 * The same seed always gives the same payloads, so runs compare.
 */

import {
  bullhornNoteCreated,
  greenhouseCandidateCreate,
  hibobEmployeesList,
  type LogSpec,
  leverCandidatesList,
  type Payload,
  requestFailed,
  requestLogRecord,
} from "../scripts/stackone-payloads.ts";
import type { IntegrationEvent } from "../shared/events/event.ts";
import { normalizeStackone } from "../shared/sources/stackone/normalize.ts";

export type Random = () => number;

/** mulberry32: small, fast and good enough to shuffle a benchmark's inputs. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const pick = <T>(random: Random, items: readonly T[]): T => {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error("pick from an empty list");
  return item;
};
const digits = (random: Random, n: number) =>
  Array.from({ length: n }, () => Math.floor(random() * 10)).join("");
const hex = (random: Random, n: number) =>
  Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join("");

/** A few hundred linked accounts, so account ids repeat as they do in real traffic. */
const accountId = (random: Random) => `4535597628${digits(random, 3).padStart(10, "0")}`;
const requestId = (random: Random) =>
  `${hex(random, 8)}-${hex(random, 4)}-4${hex(random, 3)}-a${hex(random, 3)}-${hex(random, 12)}`;
const when = (random: Random) =>
  new Date(Date.UTC(2025, 2, 4, 0, 0, 0) + Math.floor(random() * 86_400_000)).toISOString();

/** A StackOne request-log record, as the logs API returns it. */
const requestLog = (random: Random, log: LogSpec): Payload =>
  requestLogRecord(log, {
    request_id: requestId(random),
    account_id: accountId(random),
    duration: 100 + Math.floor(random() * 2_000),
    event_datetime: when(random),
  });

/** Failures arrive as `request.failed` webhooks carrying the log, or as the bare log. */
function failed(random: Random, log: Payload): Payload {
  if (random() < 0.3) return log;
  return requestFailed(log, {
    event_date: String(log.event_datetime),
    origin_owner_id: `org_${digits(random, 4)}`,
    origin_owner_name: "Acme Recruiting Ltd",
    origin_username: "jane.doe@acme.example",
  });
}

/** A bare unified-API error body, as the API answers the caller. */
function errorBody(random: Random, provider: string, status: number, message: string): Payload {
  return {
    statusCode: status,
    message,
    timestamp: when(random),
    account_id: accountId(random),
    provider,
    request_id: requestId(random),
    provider_errors: [],
  };
}

const LEVER_ERRORS: [number, string][] = [
  [400, "BadRequestError"],
  [401, "UnauthorizedError"],
  [403, "ForbiddenError"],
  [429, "TooManyRequestsError"],
  [429, "TooManyRequestsError"],
  [429, "TooManyRequestsError"],
  [500, "InternalServerError"],
  [503, "ServiceUnavailableError"],
];

function lever(random: Random): Payload {
  const [status, code] = pick(random, LEVER_ERRORS);
  return failed(
    random,
    requestLog(
      random,
      leverCandidatesList(
        status,
        { code, message: `${code} from Lever` },
        status === 429 ? { "Retry-After": "30" } : {},
      ),
    ),
  );
}

function hibob501(random: Random): Payload {
  return {
    ...errorBody(
      random,
      "hibob",
      501,
      "Not Implemented: the API credentials are missing permissions for this endpoint",
    ),
    provider_errors: [
      {
        status: 403,
        url: "https://api.hibob.com/v1/people/search",
        raw: { key: "permission.denied", error: "Forbidden" },
        headers: { "content-type": "application/json" },
      },
    ],
  };
}

function hibobEmployees(random: Random, lifecycleVisible: boolean): Payload {
  const employee = () => ({
    id: digits(random, 19),
    remote_id: digits(random, 19),
    first_name: pick(random, ["Ada", "Grace", "Alan", "Edsger", "Barbara"]),
    last_name: pick(random, ["Byron", "Hopper", "Turing", "Dijkstra", "Liskov"]),
    work_email: `${hex(random, 6)}@acme.example`,
    job_title: pick(random, ["Engineer", "Director", "Recruiter"]),
    start_date: "2021-09-01T00:00:00.000Z",
    employment_status: lifecycleVisible ? { value: "active", source_value: "Employed" } : null,
    termination_date: null,
  });
  return requestLog(
    random,
    hibobEmployeesList(25, { next: hex(random, 24), data: [employee(), employee(), employee()] }),
  );
}

function greenhouse(random: Random): Payload {
  const variant = random();
  if (variant < 0.25) {
    return failed(
      random,
      requestLog(
        random,
        greenhouseCandidateCreate(
          { first_name: "Ada", last_name: "Byron", emails: [{ value: "a@b.example" }] },
          "Not Found",
        ),
      ),
    );
  }
  if (variant < 0.45) {
    return errorBody(random, "greenhouse", 404, "Invalid Greenhouse user id in On-Behalf-Of");
  }
  if (variant < 0.7) {
    return errorBody(random, "greenhouse", 404, "Resource not found");
  }
  return requestLog(random, {
    provider: "greenhouse",
    resource: "jobs",
    action: "list",
    status: 200,
    method: "GET",
    url: "https://api.stackone.com/unified/ats/jobs",
  });
}

function smartrecruiters(random: Random): Payload {
  const variant = random();
  if (variant < 0.5) {
    return {
      ...errorBody(random, "smartrecruiters", 429, "Too many requests"),
      provider_errors: [
        {
          status: 429,
          url: "https://api.smartrecruiters.com/candidates",
          raw: "rate limit",
          headers: { "retry-after": "12" },
        },
      ],
    };
  }
  const list = (status: number) =>
    requestLog(random, {
      provider: "smartrecruiters",
      resource: "interviews",
      action: "list",
      status,
      method: "GET",
      url: "https://api.stackone.com/unified/ats/interviews?page_size=25",
      ...(status === 200
        ? { responseBody: { data: [{ id: hex(random, 8), interview_status: "scheduled" }] } }
        : { providerErrors: [{ status, raw: "Request timed out after 5 attempts" }] }),
    });
  return variant < 0.65 ? failed(random, list(408)) : list(200);
}

const NOTE = [{ body: "Phone screen went well, moving to onsite." }];

function bullhornNote(random: Random): Payload {
  const candidate = digits(random, 6);
  const [url, body] = pick<[string, Record<string, unknown>]>(random, [
    ["https://api.stackone.com/unified/ats/notes", { content: NOTE, author_id: "4123" }],
    ["https://api.stackone.com/unified/ats/notes", { candidate_id: "c28xIyMy", content: NOTE }],
    ["https://api.stackone.com/unified/ats/candidates/undefined/notes", { content: NOTE }],
    [`https://api.stackone.com/unified/ats/candidates/${candidate}/notes`, { content: NOTE }],
    [
      `https://api.stackone.com/unified/ats/candidates/${candidate}/notes`,
      { content: NOTE, author_id: "4123" },
    ],
    [
      "https://api.stackone.com/unified/ats/notes",
      { candidate_id: candidate, content: NOTE, author_id: "4123" },
    ],
    [
      "https://api.stackone.com/unified/ats/notes",
      { candidate_id: candidate, content: NOTE, author_id: "4123" },
    ],
  ]);
  return requestLog(
    random,
    // Half the logs carry the body as the JSON string that was sent.
    bullhornNoteCreated(url, random() < 0.5 ? body : JSON.stringify(body), "1"),
  );
}

const GENERIC_PROVIDERS = ["workday", "personio", "bamboohr", "workable", "ashby", "teamtailor"];
const GENERIC_STATUSES = [
  400, 401, 403, 404, 408, 409, 412, 415, 422, 429, 500, 501, 502, 503, 504,
];

function generic(random: Random): Payload {
  const status = pick(random, GENERIC_STATUSES);
  const provider = pick(random, GENERIC_PROVIDERS);
  if (random() < 0.5) return errorBody(random, provider, status, `Request failed (${status})`);
  return failed(
    random,
    requestLog(random, {
      provider,
      service: "hris",
      resource: "employees",
      action: "get",
      status,
      method: pick(random, ["GET", "PATCH"]),
      url: `https://api.stackone.com/unified/hris/employees/${hex(random, 12)}`,
      providerErrors: [{ status, url: `https://api.${provider}.example/v1`, raw: "error" }],
    }),
  );
}

/** Providers no rule names: the classifier sees many distinct provider keys. */
function unknownProvider(random: Random): Payload {
  const provider = `vendor_${Math.floor(random() * 200)}`;
  const status = pick(random, [200, 200, 200, 201, 304, 400, 404, 429, 500, 503]);
  return requestLog(random, {
    provider,
    resource: pick(random, ["employees", "jobs", "applications"]),
    action: "list",
    status,
    method: "GET",
    url: "https://api.stackone.com/unified/ats/jobs",
  });
}

function accountEvent(random: Random): Payload {
  const provider = pick(random, ["bamboohr", "hibob", "lever", "greenhouse", "personio"]);
  const [event, status] = pick(random, [
    ["account.error", "error"],
    ["account.expired", "expired"],
    ["account.updated", "error"],
    ["account.updated", "active"],
    ["account.updated", "active"],
    ["account.created", "active"],
  ]);
  const id = accountId(random);
  return {
    event,
    event_date: when(random),
    project_id: "p_8d2c0f6e",
    account_id: id,
    provider,
    origin_owner_id: `org_${digits(random, 4)}`,
    origin_owner_name: "Acme Recruiting Ltd",
    data: { id, provider, status, updated_at: when(random) },
  };
}

function noStatus(random: Random): Payload {
  return {
    event: "request.failed",
    event_date: when(random),
    account_id: accountId(random),
    provider: pick(random, GENERIC_PROVIDERS),
    data: { message: "socket hang up", code: "ECONNRESET" },
  };
}

/** What the traffic is made of, by weight (out of 100). */
export const MIX: { name: string; weight: number; make: (random: Random) => Payload }[] = [
  { name: "lever 400/401/403/429/500/503", weight: 14, make: lever },
  { name: "hibob 501", weight: 5, make: hibob501 },
  {
    name: "hibob employees, null employment_status",
    weight: 4,
    make: (r) => hibobEmployees(r, false),
  },
  { name: "hibob employees, complete", weight: 6, make: (r) => hibobEmployees(r, true) },
  { name: "greenhouse 404s and job lists", weight: 12, make: greenhouse },
  { name: "smartrecruiters 429/408/interviews", weight: 12, make: smartrecruiters },
  { name: "bullhorn note creates", weight: 10, make: bullhornNote },
  { name: "generic 4xx/5xx", weight: 20, make: generic },
  { name: "providers no rule names", weight: 8, make: unknownProvider },
  { name: "account events", weight: 6, make: accountEvent },
  { name: "errors without a status", weight: 3, make: noStatus },
];

/** `count` raw StackOne payloads, the same ones for the same seed. */
export function stackonePayloads(count: number, seed = 20250304): Payload[] {
  const random = seededRandom(seed);
  const total = MIX.reduce((sum, m) => sum + m.weight, 0);
  return Array.from({ length: count }, () => {
    let roll = random() * total;
    for (const m of MIX) {
      roll -= m.weight;
      if (roll < 0) return m.make(random);
    }
    return noStatus(random);
  });
}

/** The same payloads, normalized as ingest does. */
export function normalizedEvents(count: number, seed = 20250304): IntegrationEvent[] {
  return stackonePayloads(count, seed).map((p) => normalizeStackone(p, JSON.stringify(p)));
}
