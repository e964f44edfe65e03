/** Why a call to StackOne's API did not give an answer. None of them carries the API key. */

/** 401 or 403: the API key is wrong, revoked, or may not do this. Retrying will not help. */
export class StackoneUnauthorized extends Error {
  override name = "StackoneUnauthorized";
  constructor(
    readonly status: 401 | 403,
    /** StackOne's answer, cut: its own words on what is wrong with the key. */
    readonly body: string,
  ) {
    super(`StackOne answered ${status}${body ? `: ${body}` : ""}`);
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
