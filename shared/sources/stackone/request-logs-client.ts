import * as z from "zod/mini";
import { StackoneBadAnswer } from "./api-errors.ts";
import { getLinkedAccount, type LinkedAccount } from "./linked-accounts.ts";
import { formQuery, pathWith, StackoneHttp, type StackoneHttpOptions } from "./stackone-http.ts";

/**
 * StackOne's request logs API, the one module that knows its endpoints: `GET /requests/logs`
 * (the SDK's `requestLogsListLogs`) and `GET /requests/logs/{id}?include=advanced_logs`
 * (`requestLogsGetLog`), plus `GET /accounts/{id}` for the customer's name. StackOne's newer
 * definitions deprecate these for `POST /logs/unified` and `/logs/unified/{requestId}`; once the
 * SDK on npm has them, moving is a change to this file only. Answers are untrusted: their shape
 * is checked, the logs themselves are left to the normalizer.
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

/** The API calls a poll makes; RequestLogsClient is the real one. */
export type RequestLogsApi = {
  listLogs(filter: LogFilter, page: { size: number; next?: string }): Promise<LogPage>;
  getLog(id: string): Promise<RequestLog | undefined>;
  getAccount(id: string): Promise<Record<string, unknown> | undefined>;
};

export type RequestLogsClientOptions = StackoneHttpOptions;

const LogObject = z.record(z.string(), z.unknown());
const ListAnswer = z.object({
  data: z.array(LogObject),
  next: z.optional(z.nullable(z.string())),
});
const DetailAnswer = z.object({ data: LogObject });

/**
 * The list's query in the SDK's order: the `filter` object's fields (its schema's order, bare,
 * as `style: form, explode: true` sends them), then `next`, `order_by`, `order_direction`,
 * `page_size`.
 */
export function listQuery(filter: LogFilter, page: { size: number; next?: string }): string {
  return formQuery([
    ["end_date", filter.end_date],
    ["http_methods", filter.http_methods],
    ["providers", filter.providers],
    ["resources", filter.resources],
    ["start_date", filter.start_date],
    ["status_codes", filter.status_codes],
    ["success", filter.success],
    ["next", page.next],
    ["order_by", "eventDatetime"],
    ["order_direction", "asc"],
    ["page_size", page.size],
  ]);
}

/** The detail's query: the bodies and provider errors are advanced-log data. */
export const DETAIL_QUERY = formQuery([["include", "advanced_logs"]]);

export class RequestLogsClient {
  private readonly http: StackoneHttp;

  constructor(options: RequestLogsClientOptions) {
    this.http = new StackoneHttp(options);
  }

  /** One page of logs, oldest first, matching `filter`; `next` continues a walk. */
  async listLogs(filter: LogFilter, page: { size: number; next?: string }): Promise<LogPage> {
    const answer = ListAnswer.safeParse(
      await this.http.get("/requests/logs", listQuery(filter, page)),
    );
    if (!answer.success) throw new StackoneBadAnswer("the list of logs is not {data: [...], next}");
    return { logs: answer.data.data, next: answer.data.next ?? undefined };
  }

  /**
   * One log with its advanced-log data (request and response bodies, the provider's errors),
   * when the project keeps them; undefined when StackOne no longer has the log.
   */
  async getLog(id: string): Promise<RequestLog | undefined> {
    const body = await this.http.get(pathWith("/requests/logs/{id}", id), DETAIL_QUERY, true);
    if (body === undefined) return undefined;
    const answer = DetailAnswer.safeParse(body);
    if (!answer.success) throw new StackoneBadAnswer(`log ${id} is not {data: {...}}`);
    return answer.data.data;
  }

  /** A linked account (its `origin_owner_name` names the customer); undefined when unknown. */
  getAccount(id: string): Promise<LinkedAccount | undefined> {
    return getLinkedAccount(this.http, id);
  }
}
