import type { IntegrationEvent } from "../events/event.ts";
import { providerMessage, providerStatus } from "../events/provider-message.ts";
import type { Account, LastError } from "./incident.ts";

/**
 * What an incident keeps of its events: counts per hour and minute, the last few request ids and
 * messages, the newest error, the account's names. Pure functions of what was kept and what came.
 */

/** How many recent request ids and messages an incident keeps. */
const RECENT = 5;

export const HOUR_BUCKETS = 48;

/** Stored messages are cut shorter than events keep them: the item is rewritten every batch. */
export const MESSAGE_CHARS = 300;

/** ISO-8601 UTC timestamps of one format sort as strings (code units, not a locale's order). */
export const earlier = (a: string, b: string) => (a <= b ? a : b);

export const later = (a: string, b: string) => (a >= b ? a : b);

/** `toISOString()`'s own format, which normalized events mostly carry: no parse needed. */
const UTC_ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** A sender's clock ahead of ours must not push an incident into the future. */
export const clampToNow = (iso: string, nowIso: string) =>
  earlier(UTC_ISO.test(iso) ? iso : new Date(iso).toISOString(), nowIso);

export const hourKey = (iso: string) => iso.slice(0, 13).replace(/\D/g, "");

export const minuteKey = (iso: string) => String(Math.floor(new Date(iso).getTime() / 60_000));

export function addBuckets(
  buckets: Record<string, number>,
  times: string[],
  key: (iso: string) => string,
  oldest: string,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(buckets)) if (compareKeys(k, oldest) >= 0) out[k] = v;
  for (const t of times) {
    const k = key(t);
    if (compareKeys(k, oldest) >= 0) out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

/** Bucket keys are digit strings; compare them as numbers. */
const compareKeys = (a: string, b: string) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);

/** The last `RECENT` distinct non-empty values, oldest first; read from the newest end. */
export function recent(existing: string[], incoming: (string | undefined)[]): string[] {
  const newestFirst: string[] = [];
  for (const values of [incoming, existing]) {
    for (let i = values.length - 1; i >= 0 && newestFirst.length < RECENT; i--) {
      const value = values[i];
      if (value !== undefined && value !== "" && !newestFirst.includes(value)) {
        newestFirst.push(value);
      }
    }
  }
  return newestFirst.reverse();
}

/**
 * The newest of the incident's last error and the batch's events (a late event does not replace
 * a newer one); the provider's words come from the newest event that has them.
 */
export function lastError(
  current: LastError | undefined,
  events: IntegrationEvent[],
  now: Date,
): LastError | undefined {
  let last = current;
  const nowIso = now.toISOString();
  for (const e of events) {
    const at = clampToNow(e.occurred_at, nowIso);
    const words = providerMessage(e);
    if (last !== undefined && at < last.at) {
      // An older event (events of a batch come in any order) still lends words the newest lacks.
      if (words !== undefined && last.provider_message === undefined) {
        last = { ...last, provider_status: providerStatus(e), provider_message: words };
      }
      continue;
    }
    last = {
      status: e.http?.status,
      method: e.http?.method,
      path: e.http?.path,
      message: e.error?.message?.slice(0, MESSAGE_CHARS),
      provider_status: words === undefined ? last?.provider_status : providerStatus(e),
      provider_message: words ?? last?.provider_message,
      request_id: e.request_id,
      at,
    };
  }
  return last;
}

export function mergeAccount(account: Account, events: IntegrationEvent[]): Account {
  const merged: Account = { ...account };
  for (const e of events) {
    merged.name ??= e.account.name;
    merged.owner_id ??= e.account.owner_id;
    merged.owner_name ??= e.account.owner_name;
    merged.owner_email ??= e.account.owner_email;
  }
  return merged;
}
