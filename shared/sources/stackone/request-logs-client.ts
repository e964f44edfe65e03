import * as z from "zod/mini";
import { backoff, parseRetryAfter, sleep } from "../../retry.ts";
import {
  answered,
  StackoneBadAnswer,
  StackoneRateLimited,
  StackoneUnauthorized,
  StackoneUnavailable,
} from "./api-errors.ts";

/**
 * StackOne's request logs API (webhook-sources.md, "StackOne request logs API"):
 * `GET /requests/logs` and `GET /requests/logs/{id}`, and `GET /accounts/{id}` for the customer's
 * name, HTTP Basic with the API key as the user name. Polite: 429 waits for `Retry-After`, 5xx and network errors back off, each a few times
 * and never past the caller's deadline. Answers are untrusted: their shape is checked, the logs
 * themselves are left to the normalizer.
 */

/** A request log as the API sends it (snake_case); read leniently by the normalizer. */
export type RequestLog = Record<string, unknown>;

export type LogFilter = {
  /** ISO 8601. */
  start_date: string;
  end_date: string;
  success?: boolean;
  providers?: string[];
  http_methods?: string[];
  resources?: string[];
  status_codes?: number[];
};

export type LogPage = { logs: RequestLog[]; next: string | undefined };

export type RequestLogsClientOptions = {
  baseUrl: string;
  apiKey: string;
  /** Tries per call, the first included. */
  attempts?: number;
  baseDelayMs?: number;
  timeoutMs?: number;
  /** Epoch ms after which no retry waits: the caller's run must end by then. */
  deadline?: number;
  sleep?: (ms: number) => Promise<void>;
};

/** One call's outcome: the answer, or why not and whether another try may do better. */
type Outcome =
  | { value: unknown }
  | { error: Error; status?: number; retry: boolean; retryInMs?: number };

const LogObject = z.record(z.string(), z.unknown());
const ListAnswer = z.object({
  data: z.array(LogObject),
  next: z.optional(z.nullable(z.string())),
});
const DetailAnswer = z.object({ data: LogObject });

/** StackOne's error bodies are short; more is noise in an incident. */
const BODY_CHARS = 500;

export class RequestLogsClient {
  private readonly authorization: string;
  private readonly base: string;

  constructor(private readonly options: RequestLogsClientOptions) {
    this.authorization = `Basic ${Buffer.from(`${options.apiKey}:`).toString("base64")}`;
    this.base = options.baseUrl.replace(/\/+$/, "");
  }

  /** One page of logs, oldest first, matching `filter`; `next` continues a walk. */
  async listLogs(filter: LogFilter, page: { size: number; next?: string }): Promise<LogPage> {
    const query = new URLSearchParams({
      page_size: String(page.size),
      order_by: "eventDatetime",
      order_direction: "asc",
    });
    for (const [name, value] of Object.entries(filter)) {
      if (value === undefined) continue;
      query.set(`filter[${name}]`, Array.isArray(value) ? value.join(",") : String(value));
    }
    if (page.next !== undefined) query.set("next", page.next);
    const answer = ListAnswer.safeParse(await this.get(`/requests/logs?${query}`));
    if (!answer.success) throw new StackoneBadAnswer("the list of logs is not {data: [...], next}");
    return { logs: answer.data.data, next: answer.data.next ?? undefined };
  }

  /** One log with its request and response; undefined when StackOne no longer has it. */
  async getLog(id: string): Promise<RequestLog | undefined> {
    const body = await this.get(`/requests/logs/${encodeURIComponent(id)}`, true);
    if (body === undefined) return undefined;
    const answer = DetailAnswer.safeParse(body);
    if (!answer.success) throw new StackoneBadAnswer(`log ${id} is not {data: {...}}`);
    return answer.data.data;
  }

  /** A linked account (its `origin_owner_name` names the customer); undefined when unknown. */
  async getAccount(id: string): Promise<Record<string, unknown> | undefined> {
    const body = await this.get(`/accounts/${encodeURIComponent(id)}`, true);
    if (body === undefined) return undefined;
    const answer = LogObject.safeParse(body);
    if (!answer.success) throw new StackoneBadAnswer(`account ${id} is not an object`);
    return answer.data;
  }

  private async get(path: string, missingIsUndefined = false): Promise<unknown> {
    const attempts = Math.max(1, this.options.attempts ?? 3);
    const wait = this.options.sleep ?? sleep;
    let failure: Error = new StackoneUnavailable("not attempted");
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const outcome = await this.once(path);
      if ("value" in outcome) return outcome.value;
      if ("status" in outcome && outcome.status === 404 && missingIsUndefined) return undefined;
      failure = outcome.error;
      if (attempt === attempts || !outcome.retry) break;
      const delay =
        outcome.retryInMs ?? backoff(attempt, this.options.baseDelayMs ?? 1_000, 30_000);
      if (Date.now() + delay > (this.options.deadline ?? Number.POSITIVE_INFINITY)) break;
      await wait(delay);
    }
    throw failure;
  }

  private async once(path: string): Promise<Outcome> {
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, {
        headers: { authorization: this.authorization, accept: "application/json" },
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 20_000),
      });
    } catch (error) {
      const reason = networkReason(error);
      return { error: new StackoneUnavailable(`no answer from StackOne (${reason})`), retry: true };
    }
    const text = await response.text().catch(() => "");
    const status = response.status;
    if (status === 401 || status === 403) {
      return { status, error: new StackoneUnauthorized(status, cut(text)), retry: false };
    }
    if (status === 429) {
      const seconds = parseRetryAfter(response.headers.get("retry-after") ?? undefined) ?? 60;
      const error = new StackoneRateLimited(seconds);
      return { status, error, retry: true, retryInMs: seconds * 1000 };
    }
    if (status >= 500) {
      return { status, error: new StackoneUnavailable(`StackOne answered ${status}`), retry: true };
    }
    if (status < 200 || status >= 300) {
      const error = new StackoneBadAnswer(answered(status, text));
      return { status, error, retry: false };
    }
    try {
      return { value: JSON.parse(text) };
    } catch {
      return {
        status,
        error: new StackoneBadAnswer("StackOne's answer is not JSON"),
        retry: false,
      };
    }
  }
}

function networkReason(error: unknown): string {
  if (error instanceof Error && error.name === "TimeoutError") return "timed out";
  const cause =
    error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  return typeof cause?.code === "string" ? cause.code : "network error";
}

function cut(text: string): string {
  const one = text.replace(/\s+/g, " ").trim();
  return one.length > BODY_CHARS ? `${one.slice(0, BODY_CHARS - 1)}…` : one;
}
