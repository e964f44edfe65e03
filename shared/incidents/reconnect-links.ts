import type { Category, MustAct } from "../quirks/rule.ts";
import { checkToken, signToken, type TokenCheck } from "./reconnect-token.ts";

/**
 * Reconnect links: `GET {public URL}/reconnect/{token}`, offered in every notice of an incident
 * the customer must act on by reconnecting, when StackOne's API key, a public URL and the
 * reconnect secret are all configured. A click makes a fresh StackOne connect session
 * (shared/reconnect/click.ts), so nothing expires in an unread inbox but the link itself.
 */

export type ReconnectSettings = {
  /** The HMAC key of the links (RECONNECT_SECRET, DATA_DIR/reconnect.secret, or the SST secret). */
  secret: string;
  /** Where customers reach this Quirkwatch: PUBLIC_URL, or the deployed API's URL. */
  publicUrl: string;
  /** How long a link works after its notice (RECONNECT_LINK_DAYS, 7 by default). */
  ttlSeconds: number;
};

export const DEFAULT_LINK_DAYS = 7;
export const MAX_LINK_DAYS = 30;

/**
 * Problems a re-authentication fixes: credentials StackOne or the provider rejects, and missing
 * permissions the customer grants, then reconnects with the wider scopes. Only when the rule
 * says the customer must act: a 403 caused by our own API key is not theirs to fix.
 */
const RECONNECT_FIXES: ReadonlySet<Category> = new Set(["reauth_required", "missing_permissions"]);

export function offersReconnect(incident: { category: Category; must_act: MustAct }): boolean {
  return incident.must_act === "customer" && RECONNECT_FIXES.has(incident.category);
}

export class ReconnectLinks {
  private readonly base: string;

  constructor(private readonly settings: ReconnectSettings) {
    this.base = settings.publicUrl.replace(/\/+$/, "");
  }

  get ttlSeconds(): number {
    return this.settings.ttlSeconds;
  }

  /** The link for an incident's occurrence, working for the link lifetime from `issuedAt`. */
  url(incident: { id: string; generation: number }, issuedAt: string | Date): string {
    const from = Math.floor(new Date(issuedAt).getTime() / 1000);
    const token = signToken(this.settings.secret, {
      incident: incident.id,
      generation: incident.generation,
      expires: from + this.settings.ttlSeconds,
    });
    return `${this.base}/reconnect/${token}`;
  }

  check(token: string, now: Date): TokenCheck {
    return checkToken(this.settings.secret, token, Math.floor(now.getTime() / 1000));
  }
}

/** Text with every reconnect token replaced: for a line that is printed or logged. */
export function redactReconnectLinks(text: string): string {
  return text.replace(/\/reconnect\/[^\s"'<>)]+/g, "/reconnect/[link]");
}
