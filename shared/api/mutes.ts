import { randomBytes } from "node:crypto";
import * as z from "zod/mini";
import { error, type HttpHandler, type HttpRequest, json, readJson } from "../http.ts";
import { type Mute, muteMatches } from "../incidents/mute.ts";
import { publishOutboxes } from "../incidents/outbox.ts";
import type { IncidentRecord } from "../incidents/record.ts";
import { releaseWithRetry } from "../incidents/sweep.ts";
import { CATEGORIES } from "../quirks/rule.ts";
import { DurationSeconds, type IncidentActionDeps } from "./incident-actions.ts";
import { byId, validated } from "./request-steps.ts";

const Matcher = z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(256)));
const CreateMute = z.strictObject({
  account_id: Matcher,
  provider: z.optional(
    z.string().check(z.trim(), z.minLength(1), z.maxLength(64), z.toLowerCase()),
  ),
  category: z.optional(z.enum(CATEGORIES)),
  duration_seconds: DurationSeconds,
  comment: z.optional(z.string().check(z.trim(), z.maxLength(1000))),
  by: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(100))),
});
const ID = /^mute_[\w-]{1,64}$/;
/** What a mute removed early releases at once; the sweeper finds any others when it was to end. */
const RELEASE_LIMIT = 1000;

/** `POST /mutes` `{ account_id?, provider?, category?, duration_seconds, comment?, by? }` */
export const createMute: HttpHandler<IncidentActionDeps> = async (request, deps) => {
  const body = validated(readJson(request), CreateMute, "mute");
  if ("response" in body) return body.response;
  const { account_id, provider, category, duration_seconds, comment, by } = body.value;
  // As Alertmanager: a silence matches something; muting everything is not a mute.
  if (account_id === undefined && provider === undefined && category === undefined) {
    return error(422, "invalid mute", [
      { path: "", message: "give at least one of account_id, provider, category" },
    ]);
  }
  const now = deps.clock.now();
  const mute: Mute = {
    id: `mute_${randomBytes(12).toString("base64url")}`,
    ...(account_id ? { account_id } : {}),
    ...(provider ? { provider } : {}),
    ...(category ? { category } : {}),
    starts_at: now.toISOString(),
    ends_at: new Date(now.getTime() + duration_seconds * 1000).toISOString(),
    ...(comment ? { comment } : {}),
    created_by: by ?? "admin",
    created_at: now.toISOString(),
  };
  await deps.mutes.create(mute);
  return json(201, mute);
};

/** `GET /mutes`: the active ones, newest first. */
export async function listMutes(_request: HttpRequest, deps: IncidentActionDeps) {
  return json(200, { mutes: await deps.mutes.active(deps.clock.now()) });
}

/**
 * `DELETE /mutes/{id}`: ends it now. The notices it withheld go at once, unless another mute
 * still holds their incident.
 */
export const deleteMute: HttpHandler<IncidentActionDeps> = async (request, deps) => {
  const found = await byId(request, ID, "mute", (id) => deps.mutes.remove(id));
  if ("response" in found) return found.response;
  const { id, value: removed } = found;
  const now = deps.clock.now();
  const token = randomBytes(9).toString("base64url");
  const silences = { mutes: await deps.mutes.active(now) };
  const held = await deps.store.listIncidents({
    account_id: removed.account_id,
    provider: removed.provider,
    category: removed.category,
    limit: RELEASE_LIMIT,
  });
  // It no longer matches anything once ended: match as if it were still on.
  const during = new Date(Date.parse(removed.ends_at) - 1);
  const released: IncidentRecord[] = [];
  for (const incident of held) {
    if (!incident.withheld || !muteMatches(removed, incident, during)) continue;
    const result = await releaseWithRetry(deps.store, incident.id, { token, now, silences });
    if (result.changed && result.record) released.push(result.record);
  }
  let notices = 0;
  try {
    notices = (await publishOutboxes(deps, released, (n) => n.owner === token)).length;
  } catch (e) {
    deps.log?.warn("publishing released notices failed; the sweeper will", {
      id,
      error: String(e),
    });
  }
  return json(200, { id, deleted: true, notices_released: notices });
};
