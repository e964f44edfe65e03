import type { Button, MrkdwnElement, SectionBlock } from "@slack/types";
import { oneLine } from "../outside-text.ts";
import { truncate } from "../text-format.ts";

/** Block Kit pieces with their text escaped for mrkdwn and cut within Slack's limits. */

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
export function inline(text: string, max: number): string {
  return escapeMrkdwn(oneLine(truncate(text, max)), max);
}

export function mrkdwn(text: string): MrkdwnElement {
  return { type: "mrkdwn", text };
}

export function section(blockId: string, text: string): SectionBlock {
  return {
    type: "section",
    block_id: blockId,
    text: mrkdwn(truncate(text, SLACK_LIMITS.sectionText)),
  };
}

export function field(label: string, value: string): MrkdwnElement {
  return mrkdwn(truncate(`*${label}*\n${value}`, SLACK_LIMITS.fieldText));
}

/** Slack shows the date in the reader's time zone; the fallback is UTC. */
export function slackDate(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return inline(iso, 64) || "unknown";
  const fallback = `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time}|${fallback}>`;
}

/**
 * At most `maxItems` of `items` within `maxTotal` characters; says how many of `total` (the
 * whole list, of which `items` may be the first few) did not fit.
 */
export function list(
  items: string[],
  maxItems: number,
  maxTotal: number,
  total = items.length,
): string {
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
export function linkButton(
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

/** The budgets a message's pieces are cut to, beneath Slack's limits. */
export const BUDGET = {
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
