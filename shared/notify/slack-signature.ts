import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Slack's request signing (v0): `X-Slack-Signature` is `v0=` and the hex HMAC-SHA256, keyed with
 * the app's signing secret, of `v0:{X-Slack-Request-Timestamp}:{raw body}`. A timestamp more than
 * five minutes from now is refused, so a captured request cannot be replayed later.
 */

export const SLACK_SIGNATURE_WINDOW_SECONDS = 300;

export function signSlackRequest(secret: string, timestamp: string, body: Buffer | string): string {
  const mac = createHmac("sha256", secret);
  mac.update(`v0:${timestamp}:`);
  mac.update(body);
  return `v0=${mac.digest("hex")}`;
}

/** Undefined when the request is Slack's; else which header is wrong, and why. */
export function verifySlackSignature(
  secret: string,
  timestamp: string | undefined,
  signature: string | undefined,
  body: Buffer,
  nowMs: number,
): { path: string; message: string } | undefined {
  if (!timestamp || !/^\d{1,12}$/.test(timestamp)) {
    return { path: "x-slack-request-timestamp", message: "missing or not a Unix time" };
  }
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > SLACK_SIGNATURE_WINDOW_SECONDS) {
    return { path: "x-slack-request-timestamp", message: "more than 5 minutes from now" };
  }
  const expected = Buffer.from(signSlackRequest(secret, timestamp, body));
  const given = Buffer.from(signature ?? "");
  // Equal lengths first: timingSafeEqual throws otherwise; the length of a valid one is public.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { path: "x-slack-signature", message: "does not match the body" };
  }
  return undefined;
}
