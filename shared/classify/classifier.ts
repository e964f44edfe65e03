import type { IntegrationEvent } from "../events/event.ts";
import { type AlertPolicy, POLICIES, type QuirkRule } from "../quirks/rule.ts";
import { type Compiled, compile, type DetailNeed, statusClass } from "./rule-checks.ts";

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

export type Classifier = {
  classify(event: IntegrationEvent): Classification;
  /**
   * Whether a rule that could still match this event needs parts the event lacks (bodies, the
   * provider's error) to decide; undefined when the event as it is already decides its rule.
   */
  needsDetail(event: IntegrationEvent): DetailNeed | undefined;
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
  alert: POLICIES.transient,
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
