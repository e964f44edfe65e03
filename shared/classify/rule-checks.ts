import type { IntegrationEvent, JsonValue } from "../events/event.ts";
import type { FieldPredicate, QuirkRule } from "../quirks/rule.ts";

/**
 * A rule compiled into checks: each condition of its `match` as a test of an event, with the
 * words that say why it held, and which detail of a request log it reads.
 */

/** Which details of a request log a rule that could match would read. */
export type DetailNeed = { request_body: boolean; response_body: boolean; provider_error: boolean };

/**
 * One condition of a rule. `test` decides; `why` says in words what matched, and is built for the
 * winning rule only. `implied` conditions hold for every event of a candidate list (provider,
 * status, kind are its key), so they are not tested again.
 */
export type Check = {
  test: (event: IntegrationEvent) => boolean;
  /** Which detail of a request log the condition reads, if it reads one. */
  reads?: keyof DetailNeed;
  why: (event: IntegrationEvent) => string;
  implied: boolean;
  /** The words do not depend on the event beyond the list's key. */
  fixedWords: boolean;
};

export type Compiled = {
  rule: QuirkRule;
  checks: Check[];
  /** Provider rules first, then more conditions, then priority. */
  rank: [number, number, number];
};

export const statusClass = (status: number) => `${Math.floor(status / 100)}xx`;

export function compile(rule: QuirkRule): Compiled {
  const m = rule.match;
  const checks: Check[] = [];
  const add = (
    check: Omit<Check, "implied" | "fixedWords">,
    implied: boolean,
    fixedWords = implied,
  ) => checks.push({ ...check, implied, fixedWords });
  // An exact status is one condition; a status class counts half, so `404` beats `4xx`.
  let conditions = 0;
  if (rule.provider !== undefined) {
    const why = `provider is ${rule.provider}`;
    add({ test: () => true, why: () => why }, true);
  }
  if (m.status) {
    conditions += 1;
    add({ test: () => true, why: (e) => `status ${e.http?.status}` }, true);
  } else if (m.status_class) {
    const wanted = m.status_class;
    conditions += 0.5;
    add({ test: () => true, why: (e) => `status ${e.http?.status} is ${wanted}` }, true);
  }
  if (m.kind) {
    conditions += 1;
    add({ test: () => true, why: (e) => `kind ${e.kind}` }, true);
  }
  // The words name the condition, not the event's value, so one answer serves every event.
  if (m.type) {
    const re = new RegExp(m.type);
    const why = `event type matches /${m.type}/`;
    conditions += 1;
    add({ test: (e) => e.type !== undefined && re.test(e.type), why: () => why }, false, true);
  }
  if (m.method) {
    const methods = m.method;
    const why = `method is ${methods.join(" or ")}`;
    conditions += 1;
    add(
      {
        test: (e) => e.http?.method !== undefined && methods.includes(e.http.method),
        why: () => why,
      },
      false,
      true,
    );
  }
  if (m.path) {
    const re = new RegExp(m.path);
    const why = `path or resource matches /${m.path}/`;
    conditions += 1;
    add(
      {
        test: (e) =>
          (e.http?.path !== undefined && re.test(e.http.path)) ||
          (e.resource !== undefined && re.test(e.resource)),
        why: () => why,
      },
      false,
      true,
    );
  }
  if (m.message) {
    const re = new RegExp(m.message, "i");
    const why = `message matches /${m.message}/i`;
    conditions += 1;
    add(
      { test: (e) => re.test(searchableText(e)), why: () => why, reads: "provider_error" },
      false,
      true,
    );
  }
  for (const predicate of m.fields ?? []) {
    conditions += 1;
    add(fieldCheck(predicate), false, true);
  }
  return {
    rule,
    checks,
    rank: [rule.provider === undefined ? 0 : 1, conditions, rule.priority],
  };
}

/** The text message rules look at; kept for the event being classified, as several rules ask. */
let textOf: IntegrationEvent | undefined;
let text = "";
function searchableText(event: IntegrationEvent): string {
  if (textOf !== event) {
    const error = event.error;
    text = error
      ? [error.message, error.code, ...(error.provider_errors ?? []).map((p) => p.raw)]
          .filter((s) => s !== undefined)
          .join("\n")
      : "";
    textOf = event;
  }
  return text;
}

type ValueTest = (v: JsonValue | undefined) => boolean;

function fieldCheck(p: FieldPredicate): Omit<Check, "implied" | "fixedWords"> {
  const pattern = p.is === "not_matching" ? new RegExp(String(p.value)) : undefined;
  const where = `${p.in}.${p.path}`;
  const segments = p.path.split(".");
  const holds: Record<FieldPredicate["is"], ValueTest> = {
    missing: (v) => v === undefined,
    null: (v) => v === null,
    empty: isEmpty,
    equals: (v) => v === p.value,
    not_matching: (v) => v !== undefined && v !== null && !pattern?.test(scalar(v)),
  };
  const words =
    p.is === "equals"
      ? `${where} equals ${String(p.value)}`
      : p.is === "not_matching"
        ? `${where} does not match /${String(p.value)}/`
        : `${where} is ${p.is}`;
  return {
    reads: p.in === "request" ? "request_body" : "response_body",
    test: (event) => {
      const body = p.in === "request" ? event.request_body : event.response_body;
      // No sample of the body: nothing can be said about its fields.
      return body !== undefined && someValueAt(body, segments, 0, holds[p.is]);
    },
    why: () => words,
  };
}

/** Whether any value at the dotted path holds; arrays on the way fan out to every element. */
function someValueAt(
  value: JsonValue,
  segments: string[],
  from: number,
  holds: ValueTest,
): boolean {
  if (from === segments.length) return holds(value);
  if (Array.isArray(value)) return value.some((v) => someValueAt(v, segments, from, holds));
  if (value === null || typeof value !== "object") return holds(undefined);
  const next = value[segments[from] as string];
  return next === undefined ? holds(undefined) : someValueAt(next, segments, from + 1, holds);
}

function isEmpty(v: JsonValue | undefined): boolean {
  if (v === undefined || v === null || v === "") return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === "object" && Object.keys(v).length === 0;
}

const scalar = (v: JsonValue | undefined): string =>
  typeof v === "object" ? JSON.stringify(v) : String(v);
