import * as z from "zod/mini";
import { INCIDENT_STATUSES } from "../incidents/incident.ts";
import type { IncidentRecord } from "../incidents/record.ts";
import type { IncidentStore } from "../incidents/store.ts";
import { customerWording } from "../notify/audience.ts";
import { CATEGORIES } from "../quirks/rule.ts";
import { issuesOf } from "../validation.ts";
import { type ApiRequest, type ApiResponse, error, json } from "./http.ts";

const filterValue = z.optional(z.string().check(z.minLength(1), z.maxLength(256)));
const ListQuery = z.object({
  status: z.optional(z.enum(INCIDENT_STATUSES)),
  account_id: filterValue,
  provider: filterValue,
  category: z.optional(z.enum(CATEGORIES)),
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(1000)), 100),
});

/** What the API shows of an incident; the state behind notices stays inside. */
export function incidentView(r: IncidentRecord) {
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
    title: r.title,
    what_happened: r.what_happened,
    remediation: r.remediation,
    request_ids: r.request_ids,
    messages: r.messages,
    last_error: r.last_error,
    provider_messages: r.provider_messages ?? [],
    customer: r.must_act === "customer" ? customerWording(r) : undefined,
  };
}

/** `GET /incidents`: newest first, filtered. */
export async function listIncidents(
  request: ApiRequest,
  store: IncidentStore,
): Promise<ApiResponse> {
  const query = ListQuery.safeParse(request.queryStringParameters ?? {});
  if (!query.success) return error(422, "invalid query", issuesOf(query.error));
  const records = await store.listIncidents(query.data);
  return json(200, { incidents: records.map(incidentView) });
}

/** `GET /incidents/{id}`. */
export async function getIncident(request: ApiRequest, store: IncidentStore): Promise<ApiResponse> {
  const id = request.pathParameters?.id ?? "";
  const record = /^inc_[\w-]{1,64}$/.test(id) ? await store.getIncident(id) : undefined;
  return record
    ? json(200, incidentView(record))
    : error(404, "no such incident", [{ path: "id", message: id }]);
}
