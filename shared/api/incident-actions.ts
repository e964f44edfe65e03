import { randomBytes } from "node:crypto";
import * as z from "zod/mini";
import type { Clock } from "../clock.ts";
import { error, type HttpRequest, type HttpResponse, json, readJson } from "../http.ts";
import type { AlertBus } from "../incidents/bus.ts";
import { changeIncident } from "../incidents/change.ts";
import type { MuteStore } from "../incidents/mute.ts";
import {
  ActionRefused,
  acknowledge,
  muteIncident,
  resolveByHand,
  unmuteIncident,
} from "../incidents/on-call.ts";
import { publishOutboxes } from "../incidents/outbox.ts";
import type { ReconnectLinks } from "../incidents/reconnect-links.ts";
import type { IncidentRecord, Silences } from "../incidents/record.ts";
import type { IncidentStore } from "../incidents/store.ts";
import type { Logger } from "../log.ts";
import { INCIDENT_ID, incidentView } from "./incidents.ts";
import { notFound, validated } from "./request-steps.ts";

export type IncidentActionDeps = {
  store: IncidentStore;
  mutes: MuteStore;
  bus: AlertBus;
  reauthUrlTemplate?: string;
  /** Adds the reconnect link to the notices an action decides, when configured. */
  links?: ReconnectLinks;
  clock: Clock;
  log?: Logger;
};

/** Who acts: the caller says, else "admin" (one admin token; no user accounts). */
const By = z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(100)));
const Text = z.optional(z.string().check(z.trim(), z.maxLength(1000)));
/** Up to 30 days, as mutes by matcher. */
export const MAX_MUTE_SECONDS = 30 * 24 * 3600;
export const DurationSeconds = z.number().check(z.int(), z.minimum(1), z.maximum(MAX_MUTE_SECONDS));

const AcknowledgeBody = z.strictObject({ by: By, note: Text });
const MuteBody = z.strictObject({ by: By, duration_seconds: DurationSeconds, comment: Text });
const ByBody = z.strictObject({ by: By });

/** The JSON body, or `{}` when there is none (every field of these actions is optional). */
function optionalBody(request: HttpRequest) {
  return request.body?.length ? readJson(request) : { value: {} };
}

export type Decide = (
  current: IncidentRecord,
  now: Date,
  token: string,
  silences: Silences,
) => IncidentRecord;

/**
 * Reads the incident, decides with one of the on-call functions and writes with one conditional
 * write (again on contention), then publishes the notices it decided. A notice that cannot be
 * published now stays in the outbox: the sweeper publishes it within minutes.
 */
function act(
  request: HttpRequest,
  deps: IncidentActionDeps,
  decide: Decide,
): Promise<HttpResponse> {
  return actOn(request.params.id ?? "", deps, decide);
}

/** One on-call action on incident `id`, from the API or from Slack: 200, 404 or 409. */
export async function actOn(
  id: string,
  deps: IncidentActionDeps,
  decide: Decide,
): Promise<HttpResponse> {
  if (!INCIDENT_ID.test(id)) return notFound("incident", id);
  const now = deps.clock.now();
  const token = randomBytes(9).toString("base64url");
  const silences = { mutes: await deps.mutes.active(now) };
  let result: Awaited<ReturnType<typeof changeIncident>>;
  try {
    result = await changeIncident(deps.store, id, (current) =>
      decide(current, now, token, silences),
    );
  } catch (e) {
    if (e instanceof ActionRefused) return error(409, e.message, [{ path: "id", message: id }]);
    throw e;
  }
  if (!result.record) return notFound("incident", id);
  let notices: string[] = [];
  try {
    const published = await publishOutboxes(deps, [result.record], (n) => n.owner === token);
    notices = published.map((n) => n.kind);
  } catch (e) {
    deps.log?.warn("publishing an action's notice failed; the sweeper will", {
      id,
      error: String(e),
    });
  }
  const record = await deps.store.getIncident(id);
  return json(200, {
    incident: incidentView(record ?? result.record, {
      mutes: silences.mutes,
      now,
      reauthUrlTemplate: deps.reauthUrlTemplate,
      links: deps.links,
    }),
    notices,
  });
}

/** `POST /incidents/{id}/acknowledge` `{ by?, note? }` */
export function acknowledgeRoute(request: HttpRequest, deps: IncidentActionDeps) {
  const body = validated(optionalBody(request), AcknowledgeBody, "acknowledgement");
  if ("response" in body) return Promise.resolve(body.response);
  const { by = "admin", note } = body.value;
  return act(request, deps, (current, now, token) =>
    acknowledge(current, by, note || undefined, now, token),
  );
}

/** `POST /incidents/{id}/mute` `{ duration_seconds, comment?, by? }` */
export function muteRoute(request: HttpRequest, deps: IncidentActionDeps) {
  if (!request.body?.length) {
    return Promise.resolve(
      error(422, "invalid mute", [{ path: "duration_seconds", message: "required" }]),
    );
  }
  const body = validated(optionalBody(request), MuteBody, "mute");
  if ("response" in body) return Promise.resolve(body.response);
  const { by = "admin", duration_seconds, comment } = body.value;
  return act(request, deps, muteFor(by, duration_seconds, comment));
}

/** Mutes the incident for `seconds` from the moment of the write. */
export function muteFor(by: string, seconds: number, comment?: string): Decide {
  return (current, now, token, silences) =>
    muteIncident(
      current,
      {
        until: new Date(now.getTime() + seconds * 1000).toISOString(),
        by,
        at: now.toISOString(),
        ...(comment ? { comment } : {}),
      },
      now,
      token,
      silences,
    );
}

/** `DELETE /incidents/{id}/mute` */
export function unmuteRoute(request: HttpRequest, deps: IncidentActionDeps) {
  return act(request, deps, unmuteIncident);
}

/** `POST /incidents/{id}/resolve` `{ by? }` */
export function resolveRoute(request: HttpRequest, deps: IncidentActionDeps) {
  const body = validated(optionalBody(request), ByBody, "resolution");
  if ("response" in body) return Promise.resolve(body.response);
  const by = body.value.by ?? "admin";
  return act(request, deps, (current, now, token, silences) =>
    resolveByHand(current, by, now, token, silences),
  );
}
