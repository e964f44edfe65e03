import type { IntegrationEvent, JsonValue } from "../events/event.ts";
import type { AlertPolicy, FieldPredicate, QuirkRule } from "../quirks/rule.ts";

export type Classification = Pick<
  QuirkRule,
  | "category"
  | "severity"
  | "audience"
  | "title"
  | "what_happened"
  | "remediation"
  | "retry"
  | "docs_url"
> & {
  rule_id: string;
  alert: AlertPolicy;
  /** Which conditions matched, in words. */
  explanation: string[];
};

export type Classifier = { classify(event: IntegrationEvent): Classification };

/** A check returns what it matched, or undefined when it does not hold. */
type Check = (event: IntegrationEvent, text: () => string) => string | undefined;

type Compiled = {
  rule: QuirkRule;
  checks: Check[];
  /** Provider rules first, then more conditions, then priority. */
  rank: [number, number, number];
};

/** Used when no rule matches, which a catalog with fallbacks never lets happen. */
const UNCLASSIFIED: QuirkRule = {
  id: "quirkwatch.unclassified",
  priority: -1000,
  match: {},
  category: "unknown",
  severity: "warning",
  audience: ["internal"],
  title: "Unclassified integration event",
  what_happened: "No rule matched this event.",
  remediation: ["Look at the event's message and provider errors; add a custom rule for it."],
  retry: { retryable: false, backoff: "none" },
  source: { page: "quirkwatch", section: "Fallback" },
  alert: {
    notify: true,
    threshold: { count: 3, window_seconds: 600 },
    repeat_seconds: 4 * 3600,
    resolve_after_quiet_seconds: 30 * 60,
  },
};

const MAX_CACHED_CANDIDATE_LISTS = 10_000;

/**
 * Candidate rules are looked up by (provider, status) and cached, so the cost of a
 * classification does not grow with the number of rules.
 */
export function createClassifier(rules: QuirkRule[]): Classifier {
  const compiled = [...rules, UNCLASSIFIED].map(compile);
  const candidates = new Map<string, Compiled[]>();

  const candidatesFor = (provider: string, status: number | undefined): Compiled[] => {
    const key = `${provider}\u0000${status ?? ""}`;
    let list = candidates.get(key);
    if (list === undefined) {
      list = compiled
        .filter(({ rule }) => rule.provider === undefined || rule.provider === provider)
        .filter(({ rule }) => statusMayMatch(rule, status))
        .sort((a, b) => compareRank(b.rank, a.rank));
      if (candidates.size >= MAX_CACHED_CANDIDATE_LISTS) candidates.clear();
      candidates.set(key, list);
    }
    return list;
  };

  return {
    classify(event) {
      let text: string | undefined;
      const lazyText = () => {
        text ??= searchableText(event);
        return text;
      };
      for (const candidate of candidatesFor(event.provider, event.http?.status)) {
        const explanation: string[] = [];
        let matched = true;
        for (const check of candidate.checks) {
          const why = check(event, lazyText);
          if (why === undefined) {
            matched = false;
            break;
          }
          explanation.push(why);
        }
        if (matched) return classification(candidate.rule, explanation);
      }
      return classification(UNCLASSIFIED, ["no rule matched"]);
    },
  };
}

function classification(rule: QuirkRule, explanation: string[]): Classification {
  return {
    rule_id: rule.id,
    category: rule.category,
    severity: rule.severity,
    audience: rule.audience,
    title: rule.title,
    what_happened: rule.what_happened,
    remediation: rule.remediation,
    retry: rule.retry,
    docs_url: rule.docs_url,
    alert: rule.alert,
    explanation: explanation.length > 0 ? explanation : ["fallback: no conditions"],
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
  // An exact status is one condition; a status class counts half, so `404` beats `4xx`.
  let conditions = 0;
  if (rule.provider !== undefined) {
    const why = `provider is ${rule.provider}`;
    checks.push(() => why);
  }
  if (m.status) {
    const set = m.status;
    conditions += 1;
    checks.push((e) =>
      e.http?.status !== undefined && set.includes(e.http.status)
        ? `status ${e.http.status}`
        : undefined,
    );
  } else if (m.status_class) {
    const wanted = m.status_class;
    conditions += 0.5;
    checks.push((e) =>
      e.http?.status !== undefined && statusClass(e.http.status) === wanted
        ? `status ${e.http.status} is ${wanted}`
        : undefined,
    );
  }
  if (m.kind) {
    const kinds = m.kind;
    conditions += 1;
    checks.push((e) => (kinds.includes(e.kind) ? `kind ${e.kind}` : undefined));
  }
  if (m.type) {
    const re = new RegExp(m.type);
    conditions += 1;
    checks.push((e) =>
      e.type !== undefined && re.test(e.type) ? `event type ${e.type}` : undefined,
    );
  }
  if (m.method) {
    const methods = m.method;
    conditions += 1;
    checks.push((e) => {
      const method = e.http?.method;
      return method !== undefined && methods.includes(method) ? `method ${method}` : undefined;
    });
  }
  if (m.path) {
    const re = new RegExp(m.path);
    conditions += 1;
    checks.push((e) => {
      const hit = [e.http?.path, e.resource].find((s) => s !== undefined && re.test(s));
      return hit === undefined ? undefined : `path ${hit} matches /${m.path}/`;
    });
  }
  if (m.message) {
    const re = new RegExp(m.message, "i");
    conditions += 1;
    checks.push((_e, text) => (re.test(text()) ? `message matches /${m.message}/i` : undefined));
  }
  for (const predicate of m.fields ?? []) {
    conditions += 1;
    checks.push(fieldCheck(predicate));
  }
  return {
    rule,
    checks,
    rank: [rule.provider === undefined ? 0 : 1, conditions, rule.priority],
  };
}

function searchableText(event: IntegrationEvent): string {
  const error = event.error;
  if (!error) return "";
  return [error.message, error.code, ...(error.provider_errors ?? []).map((p) => p.raw)]
    .filter((s) => s !== undefined)
    .join("\n");
}

function fieldCheck(p: FieldPredicate): Check {
  const pattern = p.is === "not_matching" ? new RegExp(String(p.value)) : undefined;
  const where = `${p.in}.${p.path}`;
  const segments = p.path.split(".");
  return (event) => {
    const body = p.in === "request" ? event.request_body : event.response_body;
    // No sample of the body: nothing can be said about its fields.
    if (body === undefined) return undefined;
    const values = valuesAt(body, segments);
    switch (p.is) {
      case "missing":
        return values.some((v) => v === undefined) ? `${where} is missing` : undefined;
      case "null":
        return values.some((v) => v === null) ? `${where} is null` : undefined;
      case "empty":
        return values.some(isEmpty) ? `${where} is empty` : undefined;
      case "equals":
        return values.some((v) => v === p.value) ? `${where} equals ${String(p.value)}` : undefined;
      case "not_matching":
        return values.some((v) => v !== undefined && v !== null && !pattern?.test(scalar(v)))
          ? `${where} does not match /${String(p.value)}/`
          : undefined;
    }
  };
}

/** Values at a dotted path; arrays on the way fan out to every element. */
function valuesAt(value: JsonValue, segments: string[]): (JsonValue | undefined)[] {
  const [head, ...rest] = segments;
  if (head === undefined) return [value];
  if (Array.isArray(value)) return value.flatMap((v) => valuesAt(v, segments));
  if (value === null || typeof value !== "object") return [undefined];
  const next = value[head];
  return next === undefined ? [undefined] : valuesAt(next, rest);
}

function isEmpty(v: JsonValue | undefined): boolean {
  if (v === undefined || v === null || v === "") return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === "object" && Object.keys(v).length === 0;
}

const scalar = (v: JsonValue | undefined): string =>
  typeof v === "object" ? JSON.stringify(v) : String(v);
