import { createHmac, timingSafeEqual } from "node:crypto";
import * as z from "zod/mini";

/**
 * The reconnect link's token: what it is for (an incident, the occurrence it was sent for) and
 * until when, signed with HMAC-SHA256 under Quirkwatch's own reconnect secret. It is the link's
 * only credential: whoever holds it may start a re-authentication of that one account, until it
 * expires or the problem is resolved. `v1.<payload>.<signature>`, both base64url, about 130
 * characters.
 */

export type TokenClaims = {
  /** The incident. */
  incident: string;
  /** Its occurrence (generation): a link sent for an earlier one no longer applies. */
  generation: number;
  /** Epoch seconds after which the link no longer works. */
  expires: number;
};

export type TokenCheck =
  | { status: "valid"; claims: TokenClaims }
  | { status: "expired"; claims: TokenClaims }
  /** Not made by us, altered, or not a token at all. */
  | { status: "invalid" };

/** Longer than any token we make; anything longer is refused before any work. */
export const MAX_TOKEN_CHARS = 400;
const VERSION = "v1";
const SHAPE = /^v1\.([A-Za-z0-9_-]{1,300})\.([A-Za-z0-9_-]{43})$/;
/** Keeps this HMAC apart from any other use of the same secret. */
const CONTEXT = "quirkwatch-reconnect";

const Payload = z.object({
  i: z.string().check(z.regex(/^inc_[\w-]{1,64}$/)),
  g: z.number().check(z.int(), z.minimum(1)),
  e: z.number().check(z.int(), z.minimum(0)),
});

function mac(secret: string, payload: string): Buffer {
  return createHmac("sha256", secret).update(`${CONTEXT}.${VERSION}.${payload}`).digest();
}

export function signToken(secret: string, claims: TokenClaims): string {
  const payload = Buffer.from(
    JSON.stringify({ i: claims.incident, g: claims.generation, e: claims.expires }),
  ).toString("base64url");
  return `${VERSION}.${payload}.${mac(secret, payload).toString("base64url")}`;
}

/** Checks the signature first (in constant time), then the expiry. */
export function checkToken(secret: string, token: string, nowEpoch: number): TokenCheck {
  if (token.length > MAX_TOKEN_CHARS) return { status: "invalid" };
  const match = SHAPE.exec(token);
  if (!match) return { status: "invalid" };
  const [, payload = "", signature = ""] = match;
  // Compared as text: base64url's last character carries spare bits, so two spellings could
  // decode to the same bytes; only the one we made is accepted.
  const given = Buffer.from(signature);
  const wanted = Buffer.from(mac(secret, payload).toString("base64url"));
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
    return { status: "invalid" };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch {
    return { status: "invalid" };
  }
  const fields = Payload.safeParse(parsed);
  if (!fields.success) return { status: "invalid" };
  const claims = { incident: fields.data.i, generation: fields.data.g, expires: fields.data.e };
  return nowEpoch >= claims.expires ? { status: "expired", claims } : { status: "valid", claims };
}
