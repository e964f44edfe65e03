import * as z from "zod/mini";
import type { Clock } from "../clock.ts";
import { error, type HttpHandler, json } from "../http.ts";
import { INCIDENT_STATUSES } from "../incidents/incident.ts";
import { type Mute, type MuteStore, mutedUntil } from "../incidents/mute.ts";
import { offersReconnect, type ReconnectLinks } from "../incidents/reconnect-links.ts";
import type { IncidentRecord } from "../incidents/record.ts";
import type { IncidentStore } from "../incidents/store.ts";
import { customerWording } from "../notify/audience.ts";
import type { DigestLedger } from "../notify/digest.ts";
import { reauthUrl } from "../notify/reauth.ts";
import { CATEGORIES } from "../quirks/rule.ts";
import { issuesOf } from "../validation.ts";
import { byId } from "./request-steps.ts";

export type IncidentReadDeps = {
  store: IncidentStore;
  /** Which notices went into a digest: the view's `delivery`. */
  digests?: Pick<DigestLedger, "folded">;
  mutes: MuteStore;
  reauthUrlTemplate?: string;
  /** Reconnect links, when configured. */
  links?: ReconnectLinks;
  /** Set: the caller presented it. The reconnect link itself is shown only then. */
  adminToken?: string;
  clock: Clock;
};

/** What a view needs besides the record. */
export type ViewContext = {
  mutes: readonly Mute[];
  now: Date;
  reauthUrlTemplate?: string;
  links?: ReconnectLinks;
};

export const INCIDENT_ID = /^inc_[\w-]{1,64}$/;
const filterValue = z.optional(z.string().check(z.minLength(1), z.maxLength(256)));
const ListQuery = z.object({
  status: z.optional(z.enum(INCIDENT_STATUSES)),
  scope: z.optional(z.enum(["account", "provider"])),
  /** The `next` of the previous page. */
  cursor: z.optional(z.string().check(z.maxLength(1024))),
  account_id: filterValue,
  provider: filterValue,
  category: z.optional(z.enum(CATEGORIES)),
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(1000)), 100),
});

/**
 * What the API shows of an incident; the state behind notices stays inside. `muted_until` is
 * when every mute holding it (its own and those by matcher) ends, given the active `mutes`.
 */
export function incidentView(
  r: IncidentRecord,
  { mutes, now, reauthUrlTemplate, links }: ViewContext,
) {
  return {
    id: r.id,
    account_id: r.account.id,
    account_name: r.account.name,
    provider: r.provider,
    rule_id: r.rule_id,
    category: r.category,
    severity: r.severity,
    must_act: r.must_act,
    status: r.status,
    count: r.count,
    first_seen: r.first_seen,
    last_seen: r.last_seen,
    resolved_at: r.resolved_at,
    resolution: r.resolution,
    resolved_by: r.resolved_by,
    title: r.title,
    what_happened: r.what_happened,
    remediation: r.remediation,
    docs_url: r.docs_url,
    /** The customer's reconnect link, when REAUTH_URL_TEMPLATE is set and they must act. */
    reauth_url: reauthUrl(reauthUrlTemplate, r),
    /** A reconnect link can be had (`GET /incidents/{id}` with the admin token gives one). */
    reconnect_link: links !== undefined && r.status !== "resolved" && offersReconnect(r),
    /** When the reconnect link was sent, opened, and the account reconnected through it. */
    reconnect: r.reconnect,
    request_ids: r.request_ids,
    messages: r.messages,
    last_error: r.last_error,
    provider_messages: r.provider_messages ?? [],
    customer: r.must_act === "customer" ? customerWording(r) : undefined,
    /** Occurrences per UTC hour (`YYYYMMDDHH`), the last 48 hours. */
    hours: r.hours,
    acknowledged: r.acknowledged,
    mute: r.mute && Date.parse(r.mute.until) > now.getTime() ? r.mute : undefined,
    muted_until: mutedUntil(r, mutes, now),
    /** A notice a mute (or a provider incident) kept back. */
    withheld: r.withheld?.kind,
    scope: r.scope ?? "account",
    /** Provider incidents: how many accounts it hit, and a few of their names. */
    affected_accounts: r.affected_accounts,
    sample_accounts: r.sample_accounts,
  };
}

export type IncidentView = ReturnType<typeof incidentView>;

/** `GET /incidents`: newest first, filtered. */
export const listIncidents: HttpHandler<IncidentReadDeps> = async (request, deps) => {
  const query = ListQuery.safeParse(request.query);
  if (!query.success) return error(422, "invalid query", issuesOf(query.error));
  const { cursor, ...filter } = query.data;
  const after = cursor === undefined ? undefined : readCursor(cursor);
  if (after === null)
    return error(422, "invalid query", [{ path: "cursor", message: "not a cursor this API gave" }]);
  const now = deps.clock.now();
  const [records, mutes] = await Promise.all([
    deps.store.listIncidents({ ...filter, after }),
    deps.mutes.active(now),
  ]);
  const context = { mutes, now, reauthUrlTemplate: deps.reauthUrlTemplate, links: deps.links };
  const outages = await openOutages(deps.store, records);
  const delivery = await deliveries(deps.digests, records);
  const last = records.at(-1);
  return json(200, {
    incidents: records.map((r) => ({
      ...incidentView(r, context),
      part_of: outages(r),
      delivery: delivery(r),
    })),
    // A full page may have more behind it. Keyed on (last_seen, id): an incident that changes
    // while you page moves to the first page, and no other is skipped or repeated.
    next: last && records.length === filter.limit ? writeCursor(last) : undefined,
  });
};

/** The latest notice of the incident's current occurrence, when one was decided. */
const latestNotice = (r: IncidentRecord) =>
  r.notified_at === undefined ? undefined : `${r.id}.${r.generation}.${r.notice_seq}`;

/**
 * How each incident's latest notice went out: `sent` on its own, or `digest` when a channel past
 * its budget got it in the minute's digest; absent while no notice was decided.
 */
async function deliveries(digests: IncidentReadDeps["digests"], records: IncidentRecord[]) {
  const latest = records.flatMap((r) => latestNotice(r) ?? []);
  const folded = digests && latest.length > 0 ? await digests.folded(latest) : new Set<string>();
  return (r: IncidentRecord): "sent" | "digest" | undefined => {
    const notice = latestNotice(r);
    return notice === undefined ? undefined : folded.has(notice) ? "digest" : "sent";
  };
}

const writeCursor = (r: IncidentRecord) =>
  Buffer.from(JSON.stringify([r.last_seen, r.id])).toString("base64url");

/** The position a cursor names; null when it is not one this API gave. */
function readCursor(cursor: string): { last_seen: string; id: string } | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === "string" &&
      typeof value[1] === "string" &&
      INCIDENT_ID.test(value[1])
    )
      return { last_seen: value[0], id: value[1] };
  } catch {}
  return null;
}

/**
 * Which open provider incident each account incident is part of ("part of the Lever outage"):
 * the one it counts toward, while that generation is open.
 */
async function openOutages(store: IncidentStore, records: IncidentRecord[]) {
  const marks = new Set(
    records.flatMap((r) => (r.outage && r.status !== "resolved" ? [r.outage] : [])),
  );
  const open = new Map<string, { id: string; title: string }>();
  for (const mark of marks) {
    const id = mark.slice(0, mark.lastIndexOf("#"));
    const outage = await store.getIncident(id);
    if (outage?.status === "firing" && `${id}#${outage.generation}` === mark)
      open.set(mark, { id, title: outage.title });
  }
  return (r: IncidentRecord) => (r.outage ? open.get(r.outage) : undefined);
}

/**
 * `GET /incidents/{id}`. With reconnect links on, it carries a fresh `reconnect_url` for on-call
 * to forward: only to a caller who presented the admin token, never on an open local stack.
 */
export const getIncident: HttpHandler<IncidentReadDeps> = async (request, deps) => {
  const found = await byId(request, INCIDENT_ID, "incident", (id) => deps.store.getIncident(id));
  if ("response" in found) return found.response;
  const record = found.value;
  const now = deps.clock.now();
  const mutes = await deps.mutes.active(now);
  const view = incidentView(record, {
    mutes,
    now,
    reauthUrlTemplate: deps.reauthUrlTemplate,
    links: deps.links,
  });
  const outages = await openOutages(deps.store, [record]);
  const delivery = await deliveries(deps.digests, [record]);
  const full = { ...view, part_of: outages(record), delivery: delivery(record) };
  const link = deps.adminToken !== undefined && view.reconnect_link && deps.links;
  return json(200, link ? { ...full, reconnect_url: link.url(record, now) } : full);
};
