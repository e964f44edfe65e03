import { writeFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { BUILTIN_RULES } from "../shared/quirks/catalog.ts";
import type { QuirkRule } from "../shared/quirks/rule.ts";

export const RULES_DOC_PATH = fileURLToPath(new URL("../docs/rules.md", import.meta.url));

/** The rule catalog as markdown: one table row per rule, then each rule's remediation. */
export function renderRulesDoc(rules: readonly QuirkRule[]): string {
  const lines = [
    "# Quirk rules",
    "",
    "Generated from `shared/quirks/*.ts` by `npm run docs:rules`; do not edit by hand.",
    "",
    "A rule matches when all its conditions hold. When several match, a provider rule beats a",
    "generic one, then the rule with more conditions wins (a status class counts half), then the",
    "higher priority.",
    "",
    "Who acts: `customer` (their admin must reconnect or grant a permission: internal destinations",
    "and customer destinations hear of it, the latter in the customer wording below), `us` (internal",
    "destinations only), `nobody` (expected behaviour: explained by `npm run classify`, never an",
    "incident).",
    "",
    "| Rule | Provider | Match | Category | Severity | Who acts | Alert policy | Source |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ...rules.map(
      (r) =>
        `| ${cells([
          code(r.id),
          r.provider ?? "any",
          matchSummary(r),
          r.category,
          r.severity,
          r.must_act,
          policySummary(r),
          sourceSummary(r),
        ])} |`,
    ),
    "",
    "## Remediation",
    "",
  ];
  for (const r of rules) {
    lines.push(`### ${code(r.id)}: ${r.title}`, "", r.what_happened, "");
    r.remediation.forEach((step, i) => {
      lines.push(`${i + 1}. ${step}`);
    });
    lines.push("", `Retry: ${retrySummary(r.retry)}.`);
    if (r.customer) {
      lines.push(
        "",
        `For the customer's admin: **${r.customer.title}**. ${r.customer.what_happened}`,
        "",
      );
      r.customer.remediation.forEach((step, i) => {
        lines.push(`${i + 1}. ${step}`);
      });
    }
    if (r.docs_url) lines.push("", `Docs: <${r.docs_url}>`);
    lines.push("");
  }
  return lines.join("\n");
}

function cells(values: string[]): string {
  // A pipe inside a cell (regular expressions have them) would split the row.
  return values.map((v) => v.replaceAll("|", "\\|")).join(" | ");
}

const code = (s: string) => `\`${s}\``;

function matchSummary({ match: m }: QuirkRule): string {
  const parts = [
    m.status && `status ${m.status.join("/")}`,
    m.status_class && `status ${m.status_class}`,
    m.kind && `kind ${m.kind.join("/")}`,
    m.type && `type matches ${code(m.type)}`,
    m.method && `method ${m.method.join("/")}`,
    m.path && `path matches ${code(m.path)}`,
    m.message && `message matches ${code(m.message)} (any case)`,
    ...(m.fields ?? []).map((f) => {
      const value = f.is === "equals" || f.is === "not_matching" ? ` ${code(String(f.value))}` : "";
      return `${f.in}.${f.path} ${f.is.replace("_", " ")}${value}`;
    }),
  ].filter((p): p is string => typeof p === "string");
  return parts.length > 0 ? parts.join("; ") : "anything else";
}

function policySummary({ must_act, alert: a, incident }: QuirkRule): string {
  if (must_act === "nobody") return "never an incident";
  const shared = incident === undefined ? "" : `; one incident with all rules of ${code(incident)}`;
  return `${a.threshold.count} in ${duration(a.threshold.window_seconds)}; repeat ${duration(a.repeat_seconds)}; resolves after ${duration(a.resolve_after_quiet_seconds)} quiet${shared}`;
}

function duration(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

function sourceSummary({ source: s }: QuirkRule): string {
  if (s.url !== undefined) return `${s.page}: [${s.section}](${s.url})`;
  return s.line === undefined
    ? `${s.page}: ${s.section}`
    : `${s.page} line ${s.line}: ${s.section}`;
}

function retrySummary(retry: QuirkRule["retry"]): string {
  if (!retry.retryable) return "do not retry as is";
  return retry.backoff === "retry_after"
    ? "retry after the Retry-After delay"
    : `retry with ${retry.backoff} backoff`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(RULES_DOC_PATH, renderRulesDoc(BUILTIN_RULES));
  console.log(`wrote ${BUILTIN_RULES.length} rules to docs/rules.md`);
}
