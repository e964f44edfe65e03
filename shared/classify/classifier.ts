import type { IntegrationEvent, JsonValue } from "../events/event.ts";
import type { AlertPolicy, FieldPredicate, QuirkRule } from "../quirks/rule.ts";

export type Classification = Pick<
  QuirkRule,
  | "category"
  | "severity"
  | "must_act"
  | "customer"
  | "title"
  | "what_happened"
  | "remediation"
  | "retry"
  | "docs_url"
> & {
  rule_id: string;
  /** The incident the event belongs to (per account): the rule's `incident`, else its id. */
  incident_key: string;
  alert: AlertPolicy;
  /** Which conditions matched, in words. */
  explanation: string[];
};

/** Parts of a request log a rule looks at that a summary of it (a list entry) lacks. */
export type DetailNeed = { request_body: boolean; response_body: boolean; provider_error: boolean };

export type Classifier = {
  classify(event: IntegrationEvent): Classification;
  /**
   * Whether a rule that could still match this event needs parts the event lacks (bodies, the
   * provider's error) to decide; undefined when the event as it is already decides its rule.
   */
  needsDetail(event: IntegrationEvent): DetailNeed | undefined;
};

/**
 * One condition of a rule. `test` decides; `why` says in words what matched, and is built for the
 * winning rule only. `implied` conditions hold for every event of a candidate list (provider,
 * status, kind are its key), so they are not tested again.
 */
type Check = {
  test: (event: IntegrationEvent) => boolean;
  /** Which detail of a request log the condition reads, if it reads one. */
  reads?: keyof DetailNeed;
  why: (event: IntegrationEvent) => string;
  implied: boolean;
  /** The words do not depend on the event beyond the list's key. */
  fixedWords: boolean;
};

type Compiled = {
  rule: QuirkRule;
  checks: Check[];
  /** Provider rules first, then more conditions, then priority. */
  rank: [number, number, number];
};

type Candidate = {
  rule: Compiled;
  tests: ((event: IntegrationEvent) => boolean)[];
  /** For `needsDetail`: the tests that read no detail, and the details the others read. */
  summaryTests: ((event: IntegrationEvent) => boolean)[];
  reads: (keyof DetailNeed)[];
  /** The classification, when it is the same for every event of the list. */
  answer: Classification | undefined;
};

/** Used when no rule matches, which a catalog with fallbacks never lets happen. */
const UNCLASSIFIED: QuirkRule = {
  id: "quirkwatch.unclassified",
  priority: -1000,
  match: {},
  category: "unknown",
  severity: "warning",
  must_act: "us",
  title: "Unclassified integration event",
  what_happened: "No rule matched this event.",
  remediation: ["Look at the event's message and provider errors; add a custom rule for it."],
  retry: { retryable: false, backoff: "none" },
  source: { page: "quirkwatch", section: "Fallback" },
  alert: {
    threshold: { count: 3, window_seconds: 600 },
    repeat_seconds: 4 * 3600,
    resolve_after_quiet_seconds: 30 * 60,
  },
};

const MAX_CACHED_LISTS = 10_000;
const KIND_INDEX: Record<string, number> = {
  error: 0,
  recovery: 1,
  data_warning: 2,
  info: 3,
  account_deleted: 4,
};

/**
 * Candidate rules are looked up by (provider, status, kind) and cached, so the cost of a
 * classification does not grow with the number of rules.
 */
export function createClassifier(rules: QuirkRule[]): Classifier {
  const compiled = [...rules, UNCLASSIFIED].map(compile);
  const fallback = compiled[compiled.length - 1] as Compiled;
  const lists = new Map<string, Map<number, Candidate[]>>();
  let cachedLists = 0;

  const candidatesFor = (event: IntegrationEvent): Candidate[] => {
    const status = event.http?.status;
    let byKey = lists.get(event.provider);
    if (byKey === undefined) {
      if (cachedLists >= MAX_CACHED_LISTS) {
        lists.clear();
        cachedLists = 0;
      }
      byKey = new Map();
      lists.set(event.provider, byKey);
    }
    const key = (status ?? 0) * 8 + (KIND_INDEX[event.kind] ?? 7);
    let list = byKey.get(key);
    if (list === undefined) {
      list = compiled
        .filter(({ rule }) => rule.provider === undefined || rule.provider === event.provider)
        .filter(({ rule }) => statusMayMatch(rule, status))
        .filter(({ rule }) => rule.match.kind === undefined || rule.match.kind.includes(event.kind))
        .sort((a, b) => compareRank(b.rank, a.rank))
        .map((rule) => ({
          rule,
          tests: rule.checks.filter((c) => !c.implied).map((c) => c.test),
          summaryTests: rule.checks.filter((c) => !c.implied && !c.reads).map((c) => c.test),
          reads: rule.checks.flatMap((c) => (c.reads ? [c.reads] : [])),
          answer: rule.checks.every((c) => c.fixedWords)
            ? Object.freeze(classification(rule, event))
            : undefined,
        }));
      byKey.set(key, list);
      cachedLists += 1;
    }
    return list;
  };

  return {
    classify(event) {
      // Plain loops: this is the hot path, and closures per call cost a third of it.
      for (const candidate of candidatesFor(event)) {
        if (passes(candidate.tests, event))
          return candidate.answer ?? classification(candidate.rule, event);
      }
      return classification(fallback, event);
    },
    needsDetail(event) {
      let need: DetailNeed | undefined;
      // In rank order, until a rule that matches on what the event already has.
      for (const candidate of candidatesFor(event)) {
        if (!passes(candidate.summaryTests, event)) continue;
        if (candidate.reads.length === 0) return need;
        need ??= { request_body: false, response_body: false, provider_error: false };
        for (const part of candidate.reads) need[part] = true;
      }
      return need;
    },
  };
}

function passes(tests: Candidate["tests"], event: IntegrationEvent): boolean {
  for (const test of tests) if (!test(event)) return false;
  return true;
}

function classification({ rule, checks }: Compiled, event: IntegrationEvent): Classification {
  const explanation = checks.map((c) => c.why(event));
  return {
    rule_id: rule.id,
    incident_key: rule.incident ?? rule.id,
    category: rule.category,
    severity: rule.severity,
    must_act: rule.must_act,
    customer: rule.customer,
    title: rule.title,
    what_happened: rule.what_happened,
    remediation: rule.remediation,
    retry: rule.retry,
    docs_url: rule.docs_url,
    alert: rule.alert,
    explanation:
      explanation.length > 0
        ? explanation
        : [rule === UNCLASSIFIED ? "no rule matched" : "fallback: no conditions"],
  };
}

function compareRank(a: Compiled["rank"], b: Compiled["rank"]): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

function statusMayMatch(rule: QuirkRule, status: number | undefined): boolean {
  const { status: set, status_class } = rule.match;
  if (set) return status !== undefined && set.includes(status);
  if (status_class) return status !== undefined && statusClass(status) === status_class;
  return true;
}

const statusClass = (status: number) => `${Math.floor(status / 100)}xx`;

function compile(rule: QuirkRule): Compiled {
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
