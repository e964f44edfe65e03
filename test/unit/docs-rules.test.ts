import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { RULES_DOC_PATH, renderRulesDoc } from "../../scripts/docs-rules.ts";
import { BUILTIN_RULES } from "../../shared/quirks/catalog.ts";

describe("docs/rules.md", () => {
  it("is up to date with the rule catalog", () => {
    const stale = "docs/rules.md is stale: run npm run docs:rules";
    expect(existsSync(RULES_DOC_PATH), stale).toBe(true);
    expect(readFileSync(RULES_DOC_PATH, "utf8"), stale).toBe(renderRulesDoc(BUILTIN_RULES));
  });

  it("has one table row per rule, each with eight cells although regexes contain pipes", () => {
    const rows = renderRulesDoc(BUILTIN_RULES)
      .split("\n")
      .filter((l) => l.startsWith("| `"));
    expect(rows).toHaveLength(BUILTIN_RULES.length);
    for (const row of rows) {
      const cells = row.split(/(?<!\\)\|/).slice(1, -1);
      expect(cells, row).toHaveLength(8);
    }
    const greenhouse = rows.find((r) => r.includes("greenhouse.404_on_behalf_of`"));
    expect(greenhouse).toContain("on[- ]?behalf[- ]?of\\|invalid");
  });

  it("shows each rule's source line, policy and remediation", () => {
    const doc = renderRulesDoc(BUILTIN_RULES);
    expect(doc).toContain("stackone-integration-quirks line 28: Lever error codes");
    expect(doc).toMatch(/smartrecruiters\.interview_status_filter`.*never an incident/);
    expect(doc).toMatch(/stackone\.429`.*10 in 10 min; repeat 4 h; resolves after 30 min quiet/);
    for (const rule of BUILTIN_RULES) {
      expect(doc).toContain(`### \`${rule.id}\`: ${rule.title}`);
      for (const step of rule.remediation) expect(doc).toContain(step);
    }
  });
});
