import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Standard Webhooks (https://www.standardwebhooks.com): the generic source verifies with it,
 * customer webhook destinations are signed with it. node:crypto rather than the npm package:
 * native HMAC, nothing added to cold start. Tests check us against the npm package.
 */

export const TOLERANCE_SECONDS = 5 * 60;
const PREFIX = "whsec_";

export type WebhookHeaders = {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
};

export class WebhookVerificationError extends Error {
  override name = "WebhookVerificationError";
}

/** A new `whsec_` secret: 32 random bytes, base64. */
export function generateSecret(): string {
  return PREFIX + randomBytes(32).toString("base64");
}

function key(secret: string): Buffer {
  const body = secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret;
  const bytes = Buffer.from(body, "base64");
  if (bytes.length < 24 || bytes.length > 64) {
    throw new WebhookVerificationError("the secret must be whsec_ and 24 to 64 base64 bytes");
  }
  return bytes;
}

function signature(secret: string, id: string, timestamp: string, body: string | Buffer): Buffer {
  return createHmac("sha256", key(secret)).update(`${id}.${timestamp}.`).update(body).digest();
}

export function sign(
  secret: string,
  id: string,
  body: string,
  now: Date = new Date(),
): WebhookHeaders {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  return {
    "webhook-id": id,
    "webhook-timestamp": timestamp,
    "webhook-signature": `v1,${signature(secret, id, timestamp, body).toString("base64")}`,
  };
}

/**
 * Checks the headers against the raw body with any of `secrets` (rotation), in constant time.
 * Returns the webhook id; throws WebhookVerificationError with the reason.
 */
export function verify(
  secrets: string[],
  headers: Record<string, string | undefined>,
  body: string | Buffer,
  now: Date = new Date(),
): string {
  const id = headers["webhook-id"];
  const timestamp = headers["webhook-timestamp"];
  const signatures = headers["webhook-signature"];
  if (!id || !timestamp || !signatures) {
    throw new WebhookVerificationError(
      "missing webhook-id, webhook-timestamp or webhook-signature header",
    );
  }
  const seconds = Number(timestamp);
  if (!/^\d{1,12}$/.test(timestamp) || !Number.isSafeInteger(seconds)) {
    throw new WebhookVerificationError("webhook-timestamp is not unix seconds");
  }
  if (Math.abs(now.getTime() / 1000 - seconds) > TOLERANCE_SECONDS) {
    throw new WebhookVerificationError("webhook-timestamp is outside the 5-minute tolerance");
  }
  const given = signatures
    .split(" ")
    .filter((s) => s.startsWith("v1,"))
    .map((s) => Buffer.from(s.slice(3), "base64"));
  for (const secret of secrets) {
    const expected = signature(secret, id, timestamp, body);
    if (given.some((g) => g.length === expected.length && timingSafeEqual(g, expected))) return id;
  }
  throw new WebhookVerificationError("no signature matches");
}
