/**
 * StackOne's payloads as its dashboard's request logs and its `request.failed` webhooks carry
 * them: the one builder both the benchmark's traffic (bench/events.ts) and the quirk tests
 * (test/unit/quirks.test.ts) make theirs with. The demo's `requestLog` (demo-scenarios.ts) is
 * the other wire form, the logs API's detail of one request.
 */

export type Payload = Record<string, unknown>;

/** What happened on one request through StackOne's unified API. */
export type LogSpec = {
  provider: string;
  /** The unified API's category; `ats` unless said. */
  service?: string;
  resource: string;
  action: string;
  status: number;
  method: string;
  url: string;
  requestBody?: unknown;
  responseBody?: unknown;
  providerErrors?: unknown[];
};

/** Which request it was, whose, how long it took and when. */
export type LogIds = {
  request_id: string;
  account_id: string;
  duration: number;
  event_datetime: string;
};

export const PROJECT_ID = "p_8d2c0f6e";

/** A StackOne request-log record, as the dashboard's logs API returns it. */
export function requestLogRecord(log: LogSpec, ids: LogIds): Payload {
  return {
    request_id: ids.request_id,
    account_id: ids.account_id,
    project_id: PROJECT_ID,
    provider: log.provider,
    service: log.service ?? "ats",
    resource: log.resource,
    action: log.action,
    status: log.status,
    success: log.status < 400,
    duration: ids.duration,
    event_datetime: ids.event_datetime,
    request: {
      method: log.method,
      url: log.url,
      ...(log.requestBody === undefined ? {} : { body: log.requestBody }),
    },
    response: {
      status_code: log.status,
      ...(log.responseBody === undefined ? {} : { body: log.responseBody }),
      provider_errors: log.providerErrors ?? [],
      custom_mapping_errors: [],
    },
  };
}

/** The webhook's own fields around a record: when, and the customer's organisation. */
export type Envelope = {
  event_date: string;
  origin_owner_id: string;
  origin_owner_name: string;
  origin_username: string;
};

/** A `request.failed` webhook carrying a request-log record. */
export function requestFailed(log: Payload, envelope: Envelope): Payload {
  return {
    event: "request.failed",
    event_date: envelope.event_date,
    project_id: PROJECT_ID,
    account_id: log.account_id,
    provider: log.provider,
    origin_owner_id: envelope.origin_owner_id,
    origin_owner_name: envelope.origin_owner_name,
    origin_username: envelope.origin_username,
    data: log,
  };
}

/** Lever's candidate list through StackOne, failed with `status`; Lever's own answer was `raw`. */
export function leverCandidatesList(
  status: number,
  raw: unknown,
  headers: Record<string, string> = {},
): LogSpec {
  return {
    provider: "lever",
    resource: "candidates",
    action: "list",
    status,
    method: "GET",
    url: "https://api.stackone.com/unified/ats/candidates?page_size=100",
    providerErrors: [
      { status, url: "https://api.lever.co/v1/opportunities?limit=100", raw, headers },
    ],
  };
}

/** A page of Hibob's employees through StackOne, answered 200 with `responseBody`. */
export function hibobEmployeesList(pageSize: number, responseBody: unknown): LogSpec {
  return {
    provider: "hibob",
    service: "hris",
    resource: "employees",
    action: "list",
    status: 200,
    method: "GET",
    url: `https://api.stackone.com/unified/hris/employees?page_size=${pageSize}`,
    responseBody,
  };
}

/** A candidate created in Greenhouse through StackOne, refused with 404; Greenhouse answered `raw`. */
export function greenhouseCandidateCreate(
  requestBody: unknown,
  raw: unknown,
  headers?: Record<string, string>,
): LogSpec {
  return {
    provider: "greenhouse",
    resource: "candidates",
    action: "create",
    status: 404,
    method: "POST",
    url: "https://api.stackone.com/unified/ats/candidates",
    requestBody,
    providerErrors: [
      {
        status: 404,
        url: "https://harvest.greenhouse.io/v1/candidates",
        raw,
        ...(headers === undefined ? {} : { headers }),
      },
    ],
  };
}

/** A note Bullhorn created (201) through StackOne at `url`, sent `requestBody`, stored as `noteId`. */
export function bullhornNoteCreated(url: string, requestBody: unknown, noteId: string): LogSpec {
  return {
    provider: "bullhorn",
    resource: "notes",
    action: "create",
    status: 201,
    method: "POST",
    url,
    requestBody,
    responseBody: {
      statusCode: 201,
      message: "Record created successfully",
      data: { id: noteId },
    },
  };
}
