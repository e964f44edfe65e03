import { existsSync, readFileSync } from "node:fs";
import { BUILTIN_RULES, RuleValidationError, validateRules } from "./catalog.ts";
import type { QuirkRule } from "./rule.ts";

export const DEFAULT_RULES_FILE = "quirkwatch.rules.json";

/**
 * The built-in rules with a user's custom rules applied. The file holds an array of rules (or
 * `{"rules": [...]}`). An entry whose id exists overrides that rule: objects are merged, other
 * values replaced, so `{"id": "lever.429", "alert": {"threshold": {"count": 50}}}` is enough.
 * An entry with a new id adds a rule and must be complete. Throws RuleValidationError listing
 * every problem by rule id and field.
 */
export function loadRules(path: string | undefined): QuirkRule[] {
  const file = path ?? (existsSync(DEFAULT_RULES_FILE) ? DEFAULT_RULES_FILE : undefined);
  if (file === undefined) return BUILTIN_RULES;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new RuleValidationError([(error as Error).message], file);
  }
  return applyCustomRules(BUILTIN_RULES, parsed, file);
}

export function applyCustomRules(base: QuirkRule[], custom: unknown, origin: string): QuirkRule[] {
  const entries = Array.isArray(custom) ? custom : isObject(custom) ? custom.rules : undefined;
  if (!Array.isArray(entries)) {
    throw new RuleValidationError(['expected an array of rules or {"rules": [...]}'], origin);
  }
  const merged = new Map<string, unknown>(base.map((rule) => [rule.id, rule]));
  const problems: string[] = [];
  const seen = new Set<string>();
  entries.forEach((entry, index) => {
    const id = isObject(entry) && typeof entry.id === "string" ? entry.id : undefined;
    if (id === undefined) {
      problems.push(`rule #${index}: id: required, a string`);
      return;
    }
    if (seen.has(id)) problems.push(`rule ${id}: id: duplicate id`);
    seen.add(id);
    const existing = merged.get(id);
    merged.set(id, existing === undefined ? entry : deepMerge(existing, entry));
  });
  // Report every problem at once: the ones above and the schema's.
  try {
    const rules = validateRules([...merged.values()], origin);
    if (problems.length === 0) return rules;
  } catch (error) {
    if (!(error instanceof RuleValidationError)) throw error;
    problems.push(...error.problems);
  }
  throw new RuleValidationError(problems, origin);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function deepMerge(base: unknown, patch: unknown): unknown {
  if (!isObject(base) || !isObject(patch)) return patch;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) out[key] = deepMerge(base[key], value);
  return out;
}
