import type { Button, KnownBlock } from "@slack/types";
import type { Notice } from "../incidents/notice.ts";
import { oneLine } from "../outside-text.ts";
import type { Audience } from "../quirks/rule.ts";
import { providerName, truncate } from "../text-format.ts";
import { customerWording } from "./audience.ts";
import { reauthUrl } from "./reauth.ts";
import {
  BUDGET,
  escapeMrkdwn,
  field,
  inline,
  linkButton,
  list,
  mrkdwn,
  SLACK_LIMITS,
  section,
  slackDate,
} from "./slack-blocks.ts";
import { lastErrorSection, plainText, SEVERITY_EMOJI, statusLine } from "./slack-lines.ts";
import { accountLabel } from "./text.ts";

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
