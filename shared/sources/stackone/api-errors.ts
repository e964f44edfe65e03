/** Why a call to StackOne's API did not give an answer. None of them carries the API key. */

/**
 * How an error answer is logged: its status and StackOne's error code, never its body, which
 * may echo what was sent or name people.
 */
export function answered(status: number, body: string): string {
  return `StackOne answered ${status}${errorCode(body)}`;
}

/** ` (invalid_api_key)` from `{"code": "invalid_api_key", ...}`; "" without a plain code. */
function errorCode(body: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return "";
  }
  if (typeof parsed !== "object" || parsed === null) return "";
  const fields = parsed as Record<string, unknown>;
  for (const key of ["code", "error_code", "errorCode", "error"]) {
    const value = fields[key];
    if (typeof value === "string" && /^[A-Za-z0-9_.-]{1,64}$/.test(value)) return ` (${value})`;
  }
  return "";
}

/** 401 or 403: the API key is wrong, revoked, or may not do this. Retrying will not help. */
export class StackoneUnauthorized extends Error {
  override name = "StackoneUnauthorized";
  constructor(
    readonly status: 401 | 403,
    /** StackOne's answer, cut: its own words for the internal incident, never for a log. */
    readonly body: string,
  ) {
    super(answered(status, body));
  }
}

/** 429 for longer than the caller can wait. */
export class StackoneRateLimited extends Error {
  override name = "StackoneRateLimited";
  constructor(readonly retryAfterSeconds: number) {
    super(`StackOne is rate limiting; it asks to wait ${retryAfterSeconds} s`);
  }
}

/** 5xx, a timeout or a network error, still so after the retries. */
export class StackoneUnavailable extends Error {
  override name = "StackoneUnavailable";
}

/** An answer that is not what the API documents (another 4xx, not JSON, the wrong shape). */
export class StackoneBadAnswer extends Error {
  override name = "StackoneBadAnswer";
}
