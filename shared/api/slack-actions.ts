import * as z from "zod/mini";
import { acknowledge, resolveByHand } from "../incidents/on-call.ts";
import {
  ON_CALL_BLOCK_ID,
  SLACK_ACTIONS,
  type SlackActionId,
  type SlackResponseMessage,
} from "../notify/slack.ts";
import { escapeMrkdwn } from "../notify/slack-blocks.ts";
import { SlackPoster } from "../notify/slack-delivery.ts";
import { verifySlackSignature } from "../notify/slack-signature.ts";
import { oneLine } from "../outside-text.ts";
import { truncate } from "../text-format.ts";
import "../validation.ts";
import { error, type HttpRequest, type HttpResponse } from "../http.ts";
import { actOn, type Decide, type IncidentActionDeps, muteFor } from "./incident-actions.ts";

/**
 * `POST /slack/actions`: the Request URL of the Slack app's Interactivity. A click on
 * Acknowledge, Mute 1 h or Resolve in a Quirkwatch message arrives here, signed by Slack; the
 * action is done as that Slack user, and the message is updated through its `response_url` to
 * say who did what. Its only auth is Slack's signature.
 */

export type SlackActionDeps = IncidentActionDeps & {
  /** SLACK_SIGNING_SECRET; without it the route answers 404. */
  signingSecret: string | undefined;
  /** Only the local stack may answer to an http://127.0.0.1 response_url. */
  allowLocalUrls: boolean;
};

/** Slack waits 3 s for our 200; the update gets what is left of it, once. */
const RESPONSE_TIMEOUT_MS = 2_000;
const responder = new SlackPoster({
  timeoutMs: RESPONSE_TIMEOUT_MS,
  minIntervalMs: 0,
});
const MUTE_SECONDS = 3600;

const Payload = z.object({
  type: z.literal("block_actions"),
  user: z.object({
    id: z.string(),
    username: z.optional(z.string()),
    name: z.optional(z.string()),
  }),
  actions: z.array(z.object({ action_id: z.string(), value: z.optional(z.string()) })),
  response_url: z.optional(z.string()),
  message: z.optional(
    z.object({ text: z.optional(z.string()), blocks: z.optional(z.array(z.unknown())) }),
  ),
});
type Payload = z.infer<typeof Payload>;

const ok: HttpResponse = { statusCode: 200, headers: { "content-type": "text/plain" }, body: "" };

function isSlackAction(id: string): id is SlackActionId {
  return Object.hasOwn(SLACK_ACTIONS, id);
}

const DONE: Record<SlackActionId, string> = {
  acknowledge: "👀 Acknowledged",
  mute_1h: "🔕 Muted for 1 h",
  resolve: "✅ Resolved",
};

function decide(action: SlackActionId, by: string): Decide {
  if (action === "acknowledge")
    return (current, now, token) => acknowledge(current, by, undefined, now, token);
  if (action === "mute_1h") return muteFor(by, MUTE_SECONDS, "muted from Slack");
  return (current, now, token, silences) => resolveByHand(current, by, now, token, silences);
}

export async function slackActionRoute(
  request: HttpRequest,
  deps: SlackActionDeps,
): Promise<HttpResponse> {
  if (deps.signingSecret === undefined) {
    return error(404, "Slack actions are not enabled", [
      { path: "SLACK_SIGNING_SECRET", message: "set it to Slack's signing secret" },
    ]);
  }
  const raw = request.body ?? Buffer.alloc(0);
  const headers = request.headers;
  const refused = verifySlackSignature(
    deps.signingSecret,
    headers["x-slack-request-timestamp"],
    headers["x-slack-signature"],
    raw,
    deps.clock.now().getTime(),
  );
  if (refused)
    return error(401, "bad Slack signature", [{ path: refused.path, message: refused.message }]);

  const type = (headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") {
    return error(415, "expected application/x-www-form-urlencoded", [
      { path: "content-type", message: type || "missing" },
    ]);
  }
  const text = new URLSearchParams(raw.toString("utf8")).get("payload");
  if (text === null)
    return error(400, "no payload field", [{ path: "payload", message: "required" }]);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return error(400, "malformed JSON", [{ path: "payload", message: "not JSON" }]);
  }
  const parsed = Payload.safeParse(json);
  // Other interactions (a shortcut, a link button's click) are acknowledged and ignored.
  if (!parsed.success) return ok;
  const payload = parsed.data;
  const action = payload.actions.find((a) => isSlackAction(a.action_id));
  if (!action || !isSlackAction(action.action_id)) return ok;

  const by = truncate(oneLine(payload.user.username ?? payload.user.name ?? payload.user.id), 100);
  const result = await actOn(action.value ?? "", deps, decide(action.action_id, by));
  const outcome = JSON.parse(result.body ?? "{}") as { error?: string };
  const update =
    result.statusCode === 200
      ? updated(
          payload,
          `${DONE[action.action_id]} by ${by}`,
          action.action_id === "resolve",
          deps.clock.now(),
        )
      : refusal(
          `Could not ${SLACK_ACTIONS[action.action_id].toLowerCase()}: ${outcome.error ?? "refused"}.`,
        );
  await respond(payload.response_url, update, deps);
  return ok;
}

/**
 * The original message with a line saying who did what; the buttons stay (one may still mute
 * or resolve an acknowledged incident) until it is resolved.
 */
function updated(
  payload: Payload,
  line: string,
  resolved: boolean,
  now: Date,
): SlackResponseMessage {
  const at = Math.floor(now.getTime() / 1000);
  const status = {
    type: "context",
    block_id: `${ON_CALL_BLOCK_ID}_status`,
    elements: [
      {
        type: "mrkdwn",
        text: `${escapeMrkdwn(line, 500)} · <!date^${at}^{date_short_pretty} {time}|${new Date(at * 1000).toISOString()}>`,
      },
    ],
  };
  const original = (payload.message?.blocks ?? []) as { block_id?: string }[];
  const blocks = original.filter(
    (b) =>
      b.block_id !== `${ON_CALL_BLOCK_ID}_status` && !(resolved && b.block_id === ON_CALL_BLOCK_ID),
  );
  // Just above the buttons; at the end once they are gone.
  const buttons = blocks.findIndex((b) => b.block_id === ON_CALL_BLOCK_ID);
  blocks.splice(buttons === -1 ? blocks.length : buttons, 0, status);
  if (original.length === 0) return { replace_original: false, text: line };
  return { replace_original: true, text: payload.message?.text ?? line, blocks };
}

/** Only the clicker sees why nothing happened. */
function refusal(text: string): SlackResponseMessage {
  return { response_type: "ephemeral", replace_original: false, text };
}

/** Slack's response URLs are https://hooks.slack.com/...; a test's receiver is local. */
function responseUrlAllowed(url: string, allowLocal: boolean): boolean {
  if (!URL.canParse(url)) return false;
  const { protocol, hostname } = new URL(url);
  if (protocol === "https:" && hostname === "hooks.slack.com") return true;
  return (
    allowLocal && protocol === "http:" && (hostname === "127.0.0.1" || hostname === "localhost")
  );
}

async function respond(
  url: string | undefined,
  message: SlackResponseMessage,
  deps: SlackActionDeps,
): Promise<void> {
  if (!url || !responseUrlAllowed(url, deps.allowLocalUrls)) {
    deps.log?.warn("slack action: no usable response_url; the message is not updated");
    return;
  }
  const result = await responder.post(url, message);
  if (result.status !== "delivered") {
    deps.log?.warn("slack action: updating the message failed", { reason: result.reason });
  }
}
