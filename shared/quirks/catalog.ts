import bullhorn from "./bullhorn.ts";
import greenhouse from "./greenhouse.ts";
import hibob from "./hibob.ts";
import lever from "./lever.ts";
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

/** Validates rules, listing every problem by rule id and field; ids must be unique. */
export function validateRules(inputs: unknown[], origin: string): QuirkRule[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const valid: QuirkRule[] = [];
  inputs.forEach((input, index) => {
    const id = ruleId(input) ?? `#${index}`;
    const result = QuirkRule.safeParse(input);
    if (!result.success) {
      for (const issue of result.error.issues) {
        problems.push(`rule ${id}: ${issue.path.join(".") || "(rule)"}: ${issue.message}`);
      }
      return;
    }
    if (seen.has(result.data.id)) problems.push(`rule ${id}: id: duplicate id`);
    seen.add(result.data.id);
    valid.push(result.data);
  });
  if (problems.length > 0) throw new RuleValidationError(problems, origin);
  return valid;
}

function ruleId(input: unknown): string | undefined {
  const id =
    typeof input === "object" && input !== null ? (input as { id?: unknown }).id : undefined;
  return typeof id === "string" ? id : undefined;
}

const builtin: QuirkRuleInput[] = [
  ...stackone,
  ...hibob,
  ...greenhouse,
  ...smartrecruiters,
  ...lever,
  ...bullhorn,
  ...teamtailor,
];

/** Every built-in rule, validated when this module loads: a bad rule fails with its id. */
export const BUILTIN_RULES: QuirkRule[] = validateRules(builtin, "the built-in catalog");
