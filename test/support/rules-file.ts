import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A custom rules file (`QUIRKWATCH_RULES`) holding `rules`, in a folder of its own. */
export function rulesFile(rules: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), "quirkwatch-rules-")), "rules.json");
  writeFileSync(file, JSON.stringify(rules));
  return file;
}
