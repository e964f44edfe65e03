import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * StackOne signs each webhook with `x-stackone-signature`: HMAC-SHA256 of the raw body with the
 * webhook secret, base64url. Standard base64 and missing padding are accepted too, since the
 * encoding is only known from third-party handlers. Hex and `sha256=` forms are not documented.
 */

export const STACKONE_SIGNATURE_HEADER = "x-stackone-signature";

const BASE64_OR_URL = /^[A-Za-z0-9+/_-]+={0,2}$/;
const SHA256_BYTES = 32;

/** The header value StackOne would send for `body`: base64url, no padding. */
export function signStackone(secret: string, body: string | Buffer): string {
  return createHmac("sha256", secret).update(body).digest("base64url");
}

/**
 * True when `header` is the signature of `body` under any of `secrets` (current and previous,
 * during a rotation). Compares in constant time.
 */
export function verifyStackoneSignature(
  secrets: readonly string[],
  header: string | undefined,
  body: Buffer,
): boolean {
  const given = decode(header);
  if (given === undefined) return false;
  let matched = false;
  // Every secret is tried, so the time taken does not tell which one matched.
  for (const secret of secrets) {
    const expected = createHmac("sha256", secret).update(body).digest();
    if (timingSafeEqual(given, expected)) matched = true;
  }
  return matched;
}

function decode(header: string | undefined): Buffer | undefined {
  const value = header?.trim();
  if (!value || !BASE64_OR_URL.test(value)) return undefined;
  // Node's base64 decoder reads both alphabets, with or without padding.
  const bytes = Buffer.from(value, "base64");
  return bytes.length === SHA256_BYTES ? bytes : undefined;
}
