import type { QuirkRule } from "../../quirks/rule.ts";
import type { LogFilter } from "./request-logs-client.ts";

/** One walk through the request logs, each with its own cursor. */
export type LogQuery = {
  /** Names its cursor: stable while the rules that asked for it stay the same. */
  name: string;
  filter: Omit<LogFilter, "start_date" | "end_date">;
};

/** Every failed request: what most rules look at. */
const FAILED: LogQuery = { name: "failed", filter: { success: false } };

/**
 * The queries a poll makes: every failed request, plus the successful requests that a rule for
 * silent problems looks at (today Bullhorn note creates and Hibob employee reads), derived from
 * the rules, so a custom rule is covered too. Such a rule asks for its provider, methods and
 * status codes; its path pattern becomes a `resources` filter only when it is a plain resource
 * name (`employees`): StackOne's resource names are not paths. A rule that names no provider,
 * method or path would ask for every successful request; it is left out (forward those from
 * your code instead).
 */
export function logQueries(rules: QuirkRule[]): LogQuery[] {
  const queries = new Map<string, LogQuery>([[FAILED.name, FAILED]]);
  for (const rule of rules) {
    if (!looksAtSuccesses(rule)) continue;
    const m = rule.match;
    const filter: LogQuery["filter"] = { success: true };
    if (rule.provider !== undefined) filter.providers = [rule.provider];
    if (m.method) filter.http_methods = [...m.method].sort();
    if (m.path && /^[a-z_]+$/.test(m.path)) filter.resources = [m.path];
    const codes = m.status?.filter(isSuccess);
    if (codes?.length) filter.status_codes = [...codes].sort();
    const name = `success:${Object.entries(filter)
      .filter(([key]) => key !== "success")
      .map(([key, value]) => `${key}=${String(value)}`)
      .join(";")}`;
    queries.set(name, { name, filter });
  }
  return [...queries.values()];
}

const isSuccess = (status: number) => status >= 200 && status < 300;

/** A problem rule that can match a request that succeeded, and says which ones. */
function looksAtSuccesses(rule: QuirkRule): boolean {
  if (rule.must_act === "nobody") return false;
  const m = rule.match;
  const successKind = m.kind === undefined || m.kind.includes("info");
  const successStatus =
    m.status !== undefined
      ? m.status.some(isSuccess)
      : m.status_class === undefined || m.status_class === "2xx";
  const saysWhich = rule.provider !== undefined || m.method !== undefined || m.path !== undefined;
  const onlyErrors = m.kind === undefined && m.status === undefined && m.status_class === undefined;
  return successKind && successStatus && saysWhich && !onlyErrors && m.type === undefined;
}
