import bullhorn from "./bullhorn.ts";
import greenhouse from "./greenhouse.ts";
import hibob from "./hibob.ts";
import lever from "./lever.ts";
import quirkwatch from "./quirkwatch.ts";
import { QuirkRule, type QuirkRuleInput } from "./rule.ts";
import smartrecruiters from "./smartrecruiters.ts";
import stackone from "./stackone.ts";
import teamtailor from "./teamtailor.ts";

export class RuleValidationError extends Error {
  constructor(
    readonly problems: string[],
    origin: string,
  ) {
    super(`${origin} has ${problems.length} invalid rule field(s):\n  ${problems.join("\n  ")}`);
    this.name = "RuleValidationError";
  }
}

/** Fields older rule files used, and what replaced them. */
const REPLACED: Record<string, string> = {
  audience:
    "replaced by must_act (customer, us or nobody); a rule the customer must act on also needs customer wording (customer.title, customer.what_happened, customer.remediation)",
  notify: "removed: a rule with must_act nobody never opens an incident; every other rule does",
};

/**
 * Validates rules, listing every problem by rule id and field. Ids must be unique, and rules
 * sharing an incident must agree on its provider, category and who must act.
 */
export function validateRules(inputs: unknown[], origin: string): QuirkRule[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const valid: QuirkRule[] = [];
  inputs.forEach((input, index) => {
    const id = ruleId(input) ?? `#${index}`;
    const result = QuirkRule.safeParse(input);
    if (!result.success) {
      for (const issue of result.error.issues) {
        const replaced =
          issue.code === "unrecognized_keys" ? issue.keys.filter((k) => k in REPLACED) : [];
        const where = issue.path.join(".") || "(rule)";
        if (replaced.length === 0) problems.push(`rule ${id}: ${where}: ${issue.message}`);
        for (const key of replaced) problems.push(`rule ${id}: ${key}: ${REPLACED[key]}`);
      }
      return;
    }
    if (seen.has(result.data.id)) problems.push(`rule ${id}: id: duplicate id`);
    seen.add(result.data.id);
    valid.push(result.data);
  });
  problems.push(...sharedIncidentConflicts(valid));
  if (problems.length > 0) throw new RuleValidationError(problems, origin);
  return valid;
}

/** One incident must not change provider, category or who must act with the rule that matched. */
function sharedIncidentConflicts(rules: QuirkRule[]): string[] {
  const first = new Map<string, QuirkRule>();
  const problems: string[] = [];
  for (const rule of rules) {
    const key = rule.incident ?? rule.id;
    const other = first.get(key);
    if (other === undefined) {
      first.set(key, rule);
      continue;
    }
    for (const field of ["provider", "category", "must_act"] as const) {
      if (rule[field] !== other[field]) {
        problems.push(
          `rule ${rule.id}: ${field}: differs from ${other.id}, which shares the incident ${key}`,
        );
      }
    }
  }
  return problems;
}

function ruleId(input: unknown): string | undefined {
  const id =
    typeof input === "object" && input !== null ? (input as { id?: unknown }).id : undefined;
  return typeof id === "string" ? id : undefined;
}

const builtin: QuirkRuleInput[] = [
  ...stackone,
  ...quirkwatch,
  ...hibob,
  ...greenhouse,
  ...smartrecruiters,
  ...lever,
  ...bullhorn,
  ...teamtailor,
];

/** Every built-in rule, validated when this module loads: a bad rule fails with its id. */
export const BUILTIN_RULES: QuirkRule[] = validateRules(builtin, "the built-in catalog");
