import {
  type MessageAttributeValue,
  PublishBatchCommand,
  type PublishBatchRequestEntry,
  type SNSClient,
} from "@aws-sdk/client-sns";
import type { AlertBus } from "../../incidents/bus.ts";
import type { Incident } from "../../incidents/incident.ts";
import type { Notice } from "../../incidents/notice.ts";
import type { Email } from "../../notify/email.ts";
import type { Audience } from "../../quirks/rule.ts";
import {
  RetriesExhausted,
  RetryLater,
  type RetryPolicy,
  type RetrySettings,
  retry,
} from "../../retry.ts";
import { truncate } from "../../text-format.ts";
import { batchesOf } from "./batches.ts";

/**
 * Publishes notices to the alerts topic, once per audience: an `internal` message for every
 * notice, and a `customer` one too when the customer must act (notify/audience.ts). SNS sends one
 * message to every subscriber alike, so the `audience` attribute is how an email subscription
 * gets the wording for its reader: each subscription's filter policy names one audience, and the
 * notifier functions take the internal message only. One message carries a body per protocol:
 * the notice as JSON for Lambda, HTTPS and email-json subscribers, a readable email for email
 * subscribers. The message attributes are what filter policies select on (notify/filter.ts).
 */

/** SNS: one message, and a whole PublishBatch, at most 256 KiB; a batch at most 10 entries. */
export const SNS_MAX_BYTES = 256 * 1024;
const BATCH_MAX_ENTRIES = 10;
/** Room for the request's own overhead. */
const MARGIN_BYTES = 2 * 1024;

/** Tries per entry SNS answered as failed: 4 in all, the first retry after about 100 ms. */
export const SNS_RETRY: RetryPolicy = { attempts: 4, baseMs: 100 };

/**
 * Ever smaller copies of a notice, for one that does not fit in a message: the free text
 * (messages, request ids, descriptions) is cut first, then dropped; ids are never cut.
 */
const SHRINK_LEVELS = [
  undefined,
  { text: 4_000, messages: 10, requestIds: 20 },
  { text: 1_000, messages: 3, requestIds: 5 },
  { text: 256, messages: 0, requestIds: 0 },
] as const;

const last = <T>(items: T[], n: number): T[] => (n === 0 ? [] : items.slice(-n));

function shrink(notice: Notice, level: (typeof SHRINK_LEVELS)[number]): Notice {
  if (level === undefined) return notice;
  const i = notice.incident;
  const cut = (s: string | undefined) => (s === undefined ? undefined : truncate(s, 256));
  const incident: Incident = {
    ...i,
    account: {
      id: i.account.id,
      name: cut(i.account.name),
      owner_id: cut(i.account.owner_id),
      owner_name: cut(i.account.owner_name),
      owner_email: cut(i.account.owner_email),
    },
    provider: truncate(i.provider, 256),
    rule_id: truncate(i.rule_id, 256),
    title: truncate(i.title, 256),
    what_happened: truncate(i.what_happened, level.text),
    remediation: i.remediation.slice(0, 10).map((step) => truncate(step, level.text)),
    messages: last(i.messages, level.messages).map((m) => truncate(m, level.text)),
    provider_messages: last(i.provider_messages, level.messages).map((m) =>
      truncate(m, level.text),
    ),
    request_ids: last(i.request_ids, level.requestIds).map((id) => truncate(id, 256)),
    last_error: i.last_error && {
      ...i.last_error,
      path: cut(i.last_error.path),
      method: cut(i.last_error.method),
      message: i.last_error.message && truncate(i.last_error.message, level.text),
      provider_message:
        i.last_error.provider_message && truncate(i.last_error.provider_message, level.text),
      request_id: cut(i.last_error.request_id),
    },
    customer: i.customer && {
      title: truncate(i.customer.title, 256),
      what_happened: truncate(i.customer.what_happened, level.text),
      remediation: i.customer.remediation.slice(0, 10).map((s) => truncate(s, level.text)),
    },
  };
  return { ...notice, incident };
}

/** Alphanumerics, `-` and `_`, at most 80, unique within the publish call. */
function entryId(notice: Notice, index: number, audience: Audience): string {
  return `${index}${audience[0]}_${notice.id.replace(/[^A-Za-z0-9_-]/g, "_")}`.slice(0, 80);
}

function attributes(notice: Notice, audience: Audience): Record<string, MessageAttributeValue> {
  const i = notice.incident;
  const strings: Record<string, string> = {
    account_id: i.account.id,
    provider: i.provider.toLowerCase(),
    category: i.category,
    severity: i.severity,
    kind: notice.kind,
    audience,
  };
  const result: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(strings)) {
    // SNS rejects an empty attribute value.
    if (value !== "") result[name] = { DataType: "String", StringValue: value };
  }
  return result;
}

/**
 * The audiences a notice is published for, each with the email SNS sends that audience's email
 * subscribers: the domain decides both (notify/email.ts `emailsFor`).
 */
export type NoticeEmails = (notice: Notice) => { audience: Audience; email: Email }[];

function entry(
  notice: Notice,
  index: number,
  audience: Audience,
  email: Email,
): PublishBatchRequestEntry {
  const json = JSON.stringify(notice);
  return {
    Id: entryId(notice, index, audience),
    Subject: email.subject,
    MessageStructure: "json",
    Message: JSON.stringify({
      default: json,
      email: email.body,
      "email-json": json,
      https: json,
      lambda: json,
    }),
    MessageAttributes: attributes(notice, audience),
  };
}

/** What SNS counts: body, subject and attributes. */
function entryBytes(e: PublishBatchRequestEntry): number {
  let bytes = Buffer.byteLength(e.Message ?? "") + Buffer.byteLength(e.Subject ?? "");
  for (const [name, value] of Object.entries(e.MessageAttributes ?? {})) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? "");
    bytes += Buffer.byteLength(value.StringValue ?? "");
  }
  return bytes;
}

/** A notice's entries, one per audience, each cut down until it fits in one message. */
export function snsEntries(
  notice: Notice,
  index: number,
  emailsFor: NoticeEmails,
): PublishBatchRequestEntry[] {
  for (const level of SHRINK_LEVELS) {
    const shrunk = shrink(notice, level);
    const entries = emailsFor(shrunk).map(({ audience, email }) =>
      entry(shrunk, index, audience, email),
    );
    if (entries.every((e) => entryBytes(e) <= SNS_MAX_BYTES - MARGIN_BYTES)) return entries;
  }
  throw new Error(
    `notice ${truncate(notice.id, 256)} does not fit in an SNS message even when cut`,
  );
}

/** Entries in batches of at most 10 and 256 KiB. */
const batches = (entries: PublishBatchRequestEntry[]) =>
  batchesOf(entries, entryBytes, {
    maxEntries: BATCH_MAX_ENTRIES,
    maxBytes: SNS_MAX_BYTES - MARGIN_BYTES,
  });

export class SnsAlertBus implements AlertBus {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
    private readonly emailsFor: NoticeEmails,
    private readonly retrying: RetrySettings = {},
  ) {}

  async publish(notices: Notice[]): Promise<void> {
    const entries = notices.flatMap((notice, index) => snsEntries(notice, index, this.emailsFor));
    const failures: string[] = [];
    // Every batch is tried even when one fails, so one bad notice does not hold back the rest.
    for (const batch of batches(entries)) failures.push(...(await this.publishBatch(batch)));
    if (failures.length > 0) {
      throw new Error(
        `SNS did not accept ${failures.length} of ${entries.length} messages: ${failures.slice(0, 5).join("; ")}`,
      );
    }
  }

  /** Publishes one batch, retrying the entries SNS failed through no fault of ours. */
  private async publishBatch(batch: PublishBatchRequestEntry[]): Promise<string[]> {
    let pending = batch;
    let lastErrors = new Map<string, string>();
    const permanent: string[] = [];
    const publishPending = async () => {
      const result = await this.client.send(
        new PublishBatchCommand({ TopicArn: this.topicArn, PublishBatchRequestEntries: pending }),
      );
      const published = new Set((result.Successful ?? []).map((s) => s.Id));
      const permanentIds = new Set<string | undefined>();
      lastErrors = new Map();
      for (const failure of result.Failed ?? []) {
        const reason = `${failure.Id}: ${failure.Code}${failure.Message ? ` ${failure.Message}` : ""}`;
        // A sender fault (a malformed entry) fails the same way every time.
        if (failure.SenderFault) {
          permanent.push(reason);
          permanentIds.add(failure.Id);
        } else lastErrors.set(failure.Id ?? "", reason);
      }
      // Anything SNS did not report as published is retried: duplicates rather than losses.
      pending = pending.filter((e) => !published.has(e.Id) && !permanentIds.has(e.Id));
      if (pending.length > 0) throw new RetryLater(`${pending.length} entries not published`);
    };
    try {
      // Only entries SNS answered as failed are retried here; a thrown call the SDK has
      // already retried is the caller's.
      await retry(
        publishPending,
        { ...SNS_RETRY, ...this.retrying.policy },
        {
          sleep: this.retrying.sleep,
          retryable: (error) => error instanceof RetryLater,
        },
      );
    } catch (error) {
      // What SNS or the network threw is the caller's to see; entries left over are returned.
      if (!(error instanceof RetriesExhausted)) throw error;
    }
    return [
      ...permanent,
      ...pending.map((e) => lastErrors.get(e.Id ?? "") ?? `${e.Id}: not published`),
    ];
  }
}
