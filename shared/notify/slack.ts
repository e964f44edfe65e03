import type { Button, KnownBlock, MrkdwnElement, SectionBlock } from "@slack/types";
import type { Notice } from "../incidents/notice.ts";
import { oneLine } from "../outside-text.ts";
import type { Audience, Severity } from "../quirks/rule.ts";
import { humanDuration, providerName, truncate } from "../text-format.ts";
import { customerWording } from "./audience.ts";
import { reauthUrl } from "./reauth.ts";
import { accountLabel, incidentDuration } from "./text.ts";

/**
 * Renders a notice as a Slack incoming-webhook message. Whatever the notice holds, the message
 * stays within Slack's limits (alerting-facts.md): every piece is cut to a budget chosen so the
 * whole stays well under the ~12,000 characters of block text Slack accepts.
 */

export type SlackMessage = { text: string; blocks: KnownBlock[] };
/** What a `response_url` takes: a message that replaces the original, or one only the clicker sees. */
export type SlackResponseMessage = {
  text: string;
  blocks?: unknown[];
  replace_original: boolean;
  response_type?: "ephemeral" | "in_channel";
};
export type SlackRenderOptions = {
  reauthUrlTemplate?: string;
  /** `customer`: the customer's wording, without ids, for a channel the customer reads. */
  audience?: Audience;
  /**
   * Acknowledge / Mute 1 h / Resolve buttons, answered at `POST /slack/actions` (only when
   * Slack's signing secret is set, so a click can be verified).
   */
  actions?: boolean;
};

/** The buttons `POST /slack/actions` answers; each button's `value` is the incident id. */
export const SLACK_ACTIONS = {
  acknowledge: "Acknowledge",
  mute_1h: "Mute 1 h",
  resolve: "Resolve",
} as const;
export type SlackActionId = keyof typeof SLACK_ACTIONS;
/** The block that holds them, so an update can find and replace it. */
export const ON_CALL_BLOCK_ID = "on_call";

/** Slack's limits, and the budgets we cut to beneath them. */
export const SLACK_LIMITS = {
  blocks: 50,
  sectionText: 3_000,
  fields: 10,
  fieldText: 2_000,
  headerText: 150,
  blockId: 255,
  buttonText: 75,
  buttonUrl: 3_000,
  buttonValue: 2_000,
  /** Slack fails with `msg_blocks_too_long` somewhere above ~12,000. */
  messageBlockText: 12_000,
  /** Slack cuts at 40,000; notifications show far less. */
  text: 3_000,
} as const;

const BUDGET = {
  account: 300,
  provider: 150,
  whatHappened: 2_000,
  remediation: 2_500,
  step: 500,
  steps: 10,
  messages: 2_000,
  message: 500,
  messageCount: 5,
  requestIds: 1_000,
  requestIdCount: 10,
  lastError: 1_200,
  context: 600,
  status: 500,
} as const;

const SEVERITY_EMOJI: Record<Severity, string> = {
  critical: "🔴",
  error: "🔴",
  warning: "🟠",
  info: "🔵",
};

const MRKDWN_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;" };

/**
 * Escapes Slack's control characters and cuts to `max` characters after escaping, never inside
 * an escape sequence or a surrogate pair.
 */
export function escapeMrkdwn(text: string, max: number): string {
  let out = "";
  let lastFit = 0;
  for (const char of text) {
    const piece = MRKDWN_ESCAPES[char] ?? char;
    if (out.length + piece.length > max) return `${out.slice(0, lastFit)}…`;
    out += piece;
    if (out.length <= max - 1) lastFit = out.length;
  }
  return out;
}

/** One line of user data, escaped and cut; cut before cleaning so huge input costs little. */
function inline(text: string, max: number): string {
  return escapeMrkdwn(oneLine(truncate(text, max)), max);
}

function mrkdwn(text: string): MrkdwnElement {
  return { type: "mrkdwn", text };
}

function section(blockId: string, text: string): SectionBlock {
  return {
    type: "section",
    block_id: blockId,
    text: mrkdwn(truncate(text, SLACK_LIMITS.sectionText)),
  };
}

function field(label: string, value: string): MrkdwnElement {
  return mrkdwn(truncate(`*${label}*\n${value}`, SLACK_LIMITS.fieldText));
}

/** Slack shows the date in the reader's time zone; the fallback is UTC. */
function slackDate(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return inline(iso, 64) || "unknown";
  const fallback = `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time}|${fallback}>`;
}

/**
 * At most `maxItems` of `items` within `maxTotal` characters; says how many of `total` (the
 * whole list, of which `items` may be the first few) did not fit.
 */
function list(items: string[], maxItems: number, maxTotal: number, total = items.length): string {
  const shown: string[] = [];
  let used = 0;
  for (const item of items.slice(0, maxItems)) {
    // Leaves room for the "and N more" line.
    if (used + item.length + 1 > maxTotal - 40) break;
    shown.push(item);
    used += item.length + 1;
  }
  const left = total - shown.length;
  return (left > 0 ? [...shown, `_…and ${left} more_`] : shown).join("\n");
}

/** A link button, or nothing when the URL is not a usable http(s) URL within Slack's limit. */
function linkButton(
  actionId: string,
  label: string,
  url: string,
  primary: boolean,
): Button | undefined {
  if (url.length > SLACK_LIMITS.buttonUrl || !URL.canParse(url)) return undefined;
  const protocol = new URL(url).protocol;
  if (protocol !== "https:" && protocol !== "http:") return undefined;
  return {
    type: "button",
    action_id: actionId,
    text: { type: "plain_text", text: truncate(label, SLACK_LIMITS.buttonText) },
    url,
    ...(primary ? { style: "primary" as const } : {}),
  };
}

function header(notice: Notice): string {
  const { category, severity, title } = notice.incident;
  const what = `${category}: ${oneLine(truncate(title, SLACK_LIMITS.headerText))}`;
  const line =
    notice.kind === "resolved"
      ? `✅ Resolved · ${what}`
      : notice.kind === "reminder"
        ? `🔁 Still firing · ${what}`
        : notice.kind === "acknowledged"
          ? `👀 Acknowledged · ${what}`
          : `${SEVERITY_EMOJI[severity]} ${what}`;
  return truncate(line, SLACK_LIMITS.headerText);
}

function resolvedBy(notice: Notice): string {
  if (notice.resolution === "recovery") {
    return notice.incident.reconnect?.reconnected_at
      ? "the account recovered: reconnected through the link"
      : "the account recovered";
  }
  if (notice.resolution === "quiet") return "no new errors for a while (quiet)";
  if (notice.resolution === "manual") return "resolved by hand from Quirkwatch";
  if (notice.resolution === "account_deleted") return "the account was deleted";
  return "an unknown cause";
}

function eventCount(count: number): string {
  return count === 1 ? "1 event" : `${count} events`;
}

/** A provider incident's notices say how many accounts it hit, and how that number moved. */
function outageLine(notice: Notice): string | undefined {
  const { affected_accounts: n = 0, scope } = notice.incident;
  if (scope !== "provider") return undefined;
  const accounts = n === 1 ? "1 account" : `${n} accounts`;
  if (notice.kind === "reminder") {
    const before = notice.affected_before;
    const moved = before === undefined || before === n ? "unchanged" : `was ${before}`;
    return `*Still failing* for ${accounts} (${moved})`;
  }
  if (notice.kind === "resolved") {
    const why = notice.resolution === "recovery" ? "most accounts recovered" : resolvedBy(notice);
    return `*Resolved* after ${humanDuration(incidentDuration(notice))}: ${accounts} were hit; ${why}.`;
  }
  return undefined;
}

function statusLine(notice: Notice): string | undefined {
  const outage = outageLine(notice);
  if (outage) return outage;
  const { count } = notice.incident;
  if (notice.kind === "reminder") {
    return notice.since_last_notice === undefined
      ? `*Still firing:* ${eventCount(count)} so far`
      : `*Still firing:* ${notice.since_last_notice} more since the last notice (${eventCount(count)} in all)`;
  }
  if (notice.kind === "acknowledged") {
    return `*Acknowledged* by ${inline(notice.acknowledged_by ?? "admin", 100)}: no reminders until it resolves.`;
  }
  if (notice.kind === "resolved") {
    return `*Resolved* after ${humanDuration(incidentDuration(notice))} and ${eventCount(count)}: ${resolvedBy(notice)}.`;
  }
  return undefined;
}

function plainText(notice: Notice): string {
  const incident = notice.incident;
  const who = `${escapeMrkdwn(accountLabel(incident), BUDGET.account)} on ${inline(incident.provider, BUDGET.provider)}`;
  const title = inline(incident.title, 300);
  const firstStep = incident.remediation[0];
  const next = firstStep ? ` Next step: ${inline(firstStep, 1_000)}` : "";
  const since =
    notice.kind === "reminder" && notice.since_last_notice !== undefined
      ? ` ${notice.since_last_notice} more since the last notice.`
      : "";
  const outage = notice.kind === "acknowledged" ? undefined : outageLine(notice);
  const text =
    notice.kind === "acknowledged"
      ? `👀 Acknowledged by ${inline(notice.acknowledged_by ?? "admin", 100)}: ${title} for ${who}.`
      : outage
        ? `${notice.kind === "firing" ? SEVERITY_EMOJI[incident.severity] : ""} ${title}. ${outage.replaceAll("*", "")}`.trim()
        : notice.kind === "resolved"
          ? `✅ Resolved: ${title} for ${who}, after ${humanDuration(incidentDuration(notice))} and ${eventCount(incident.count)} (${resolvedBy(notice)}).`
          : `${notice.kind === "reminder" ? "🔁 Still firing" : SEVERITY_EMOJI[incident.severity]} ${title}: ${who}.${since}${next}`;
  return truncate(text, SLACK_LIMITS.text);
}

function actions(notice: Notice, options: SlackRenderOptions): Button[] {
  const incident = notice.incident;
  const buttons: Button[] = [];
  // The signed link for on-call to forward; opening it starts the customer's re-authentication.
  if (notice.reconnect_url) {
    const button = linkButton(
      "reconnect_link",
      "Customer's reconnect link",
      notice.reconnect_url,
      true,
    );
    if (button) buttons.push(button);
  }
  const url = reauthUrl(options.reauthUrlTemplate, incident);
  if (url) {
    const button = linkButton("send_reauth_link", "Send re-auth link", url, buttons.length === 0);
    if (button) buttons.push(button);
  }
  if (incident.docs_url) {
    const button = linkButton("provider_docs", "Provider docs", incident.docs_url, false);
    if (button) buttons.push(button);
  }
  return buttons;
}

/** `*Last error* HTTP 403 · GET /path · request `req_1`` and what StackOne said. */
function lastErrorSection(incident: Notice["incident"]): string | undefined {
  const last = incident.last_error;
  if (last === undefined) return undefined;
  // Each part is escaped once, on its own: the date is a Slack token that must stay raw.
  const request = [last.method, last.path].filter(Boolean).join(" ");
  const parts = [
    last.status === undefined ? undefined : `HTTP ${last.status}`,
    request && inline(request, 400),
    last.request_id && `request \`${inline(last.request_id.replaceAll("`", "'"), 120)}\``,
    slackDate(last.at),
  ].filter((p): p is string => typeof p === "string" && p !== "");
  const lines = [`*Last error* · ${parts.join(" · ")}`];
  if (last.message) lines.push(`> StackOne: ${inline(last.message, 500)}`);
  return truncate(lines.join("\n"), BUDGET.lastError);
}

/**
 * For a channel the customer's admin reads: the rule's customer wording and the provider's words;
 * no rule, request or notice ids.
 */
function renderForCustomer(notice: Notice): SlackMessage {
  const incident = notice.incident;
  const provider = providerName(incident.provider);
  const wording = customerWording(incident);
  const headline =
    notice.kind === "resolved"
      ? `✅ Your ${provider} connection is working again`
      : `${notice.kind === "reminder" ? "🔁 Still happening: " : "⚠️ "}${wording.title}`;
  const blocks: KnownBlock[] = [
    {
      type: "header",
      block_id: "header",
      text: {
        type: "plain_text",
        text: truncate(oneLine(headline), SLACK_LIMITS.headerText),
        emoji: true,
      },
    },
  ];
  const facts = [field("System", inline(provider, BUDGET.provider))];
  if (incident.account.name) facts.push(field("Connection", inline(incident.account.name, 300)));
  facts.push(field("First noticed", slackDate(incident.first_seen)));
  facts.push(field("Last seen", slackDate(incident.last_seen)));
  blocks.push({ type: "section", block_id: "facts", fields: facts });
  if (notice.kind !== "resolved") {
    const said = incident.last_error?.provider_message;
    if (said)
      blocks.push(
        section("provider_said", `*${inline(provider, 60)} said*\n> ${inline(said, 600)}`),
      );
    const happened = escapeMrkdwn(wording.what_happened, BUDGET.whatHappened);
    blocks.push(section("what_happened", `*What happened*\n${happened}`));
    const steps = wording.remediation.map(
      (step, i) => `${i + 1}. ${escapeMrkdwn(step, BUDGET.step)}`,
    );
    const todo = list(steps, BUDGET.steps, BUDGET.remediation) || "_no steps given_";
    blocks.push(section("what_to_do", `*What to do*\n${todo}`));
    const reconnect =
      notice.reconnect_url &&
      linkButton("reconnect", `Reconnect ${provider}`, notice.reconnect_url, true);
    if (reconnect) blocks.push({ type: "actions", block_id: "actions", elements: [reconnect] });
  }
  return { text: truncate(oneLine(headline), SLACK_LIMITS.text), blocks };
}

export function renderSlack(notice: Notice, options: SlackRenderOptions = {}): SlackMessage {
  if (options.audience === "customer") return renderForCustomer(notice);
  const incident = notice.incident;
  const blocks: KnownBlock[] = [
    {
      type: "header",
      block_id: "header",
      text: { type: "plain_text", text: header(notice), emoji: true },
    },
  ];

  const status = statusLine(notice);
  if (status) blocks.push(section("status", truncate(status, BUDGET.status)));

  blocks.push({
    type: "section",
    block_id: "facts",
    fields: [
      incident.scope === "provider"
        ? field(
            "Accounts hit",
            escapeMrkdwn(
              `${incident.affected_accounts ?? 0}: ${(incident.sample_accounts ?? []).join(", ")}`,
              BUDGET.account,
            ),
          )
        : field("Customer account", escapeMrkdwn(accountLabel(incident), BUDGET.account)),
      field("Provider", inline(incident.provider, BUDGET.provider)),
      field("Category", incident.category),
      field("Severity", incident.severity),
      field("Events", String(incident.count)),
      field("First seen", slackDate(incident.first_seen)),
      field("Last seen", slackDate(incident.last_seen)),
    ],
  });

  if (notice.kind !== "resolved" && notice.kind !== "acknowledged") {
    const whatHappened =
      escapeMrkdwn(incident.what_happened, BUDGET.whatHappened) || "_not described_";
    blocks.push(section("what_happened", `*What happened*\n${whatHappened}`));

    const steps = incident.remediation.map(
      (step, i) => `${i + 1}. ${escapeMrkdwn(step, BUDGET.step)}`,
    );
    const remediation = list(steps, BUDGET.steps, BUDGET.remediation) || "_no steps given_";
    blocks.push(section("what_to_do", `*What to do*\n${remediation}`));

    const last = lastErrorSection(incident);
    if (last) blocks.push(section("last_error", last));

    // Newest first: the last message is the one most worth reading. The provider's own words
    // when there are some, else the sender's messages.
    const own = incident.provider_messages.length > 0;
    const words = own ? incident.provider_messages : incident.messages;
    const messages = words
      .slice(-BUDGET.messageCount)
      .reverse()
      .map((m) => `> ${inline(m, BUDGET.message)}`);
    if (messages.length > 0) {
      const text = list(messages, BUDGET.messageCount, BUDGET.messages, words.length);
      const heading = own
        ? `*What ${inline(providerName(incident.provider), 60)} said (newest first)*`
        : "*Recent errors (newest first)*";
      blocks.push(section("messages", `${heading}\n${text}`));
    }

    if (incident.request_ids.length > 0) {
      const ids = incident.request_ids
        .slice(-BUDGET.requestIdCount)
        .reverse()
        .map((id) => `\`${inline(id.replaceAll("`", "'"), 80)}\``);
      const text = list(ids, BUDGET.requestIdCount, BUDGET.requestIds, incident.request_ids.length);
      blocks.push(section("request_ids", `*Sample request ids (newest first)*\n${text}`));
    }

    const buttons = actions(notice, options);
    if (buttons.length > 0)
      blocks.push({ type: "actions", block_id: "actions", elements: buttons });
    if (options.actions && incident.id.length <= SLACK_LIMITS.buttonValue) {
      blocks.push({
        type: "actions",
        block_id: ON_CALL_BLOCK_ID,
        elements: Object.entries(SLACK_ACTIONS).map(([actionId, label]) => ({
          type: "button" as const,
          action_id: actionId,
          text: { type: "plain_text" as const, text: label },
          value: incident.id,
          ...(actionId === "resolve" ? { style: "primary" as const } : {}),
        })),
      });
    }
  }

  const context = `Rule \`${inline(incident.rule_id, 200)}\` · Notice \`${inline(notice.id, 300)}\``;
  blocks.push({
    type: "context",
    block_id: "context",
    elements: [mrkdwn(truncate(context, BUDGET.context))],
  });

  return { text: plainText(notice), blocks };
}
