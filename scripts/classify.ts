/**
 * `npm run --silent classify -- FILE` (or `-` for stdin): classifies raw StackOne webhook
 * payloads, one JSON document per line, and prints one JSON line per input line, in order.
 * A line that cannot be classified prints `{"line": n, "error": "..."}` and the run goes on;
 * blank lines are skipped. Custom rules come from QUIRKWATCH_RULES or ./quirkwatch.rules.json.
 *
 * Exit codes: 0 every line classified, 1 some lines could not be, 2 bad usage, a missing
 * file or an invalid rules file.
 */
import { once } from "node:events";
import { createReadStream, statSync } from "node:fs";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { pathToFileURL } from "node:url";
import { type Classifier, createClassifier } from "../shared/classify/classifier.ts";
import { rulesPath } from "../shared/config.ts";
import { EventValidationError } from "../shared/events/event.ts";
import { loadRules } from "../shared/quirks/custom.ts";
import type { Audience, Category, Severity } from "../shared/quirks/rule.ts";
import { normalizeStackone } from "../shared/sources/stackone/normalize.ts";

export type ClassifiedLine = {
  event_id: string;
  account_id: string;
  provider: string;
  status: number | null;
  rule_id: string;
  category: Category;
  severity: Severity;
  audience: Audience[];
  title: string;
  remediation: string[];
  explanation: string[];
};

export type LineError = { line: number; error: string };

const USAGE = `usage: npm run --silent classify -- FILE
  FILE holds raw StackOne webhook payloads, one JSON document per line; - reads stdin.
  Custom rules: QUIRKWATCH_RULES=path, or ./quirkwatch.rules.json when present.`;

/**
 * Classifies one input line (`n` is its 1-based number). Returns undefined for a blank line
 * and a LineError naming the field for a line that is not a classifiable payload.
 */
export function classifyLine(
  line: string,
  n: number,
  classifier: Classifier,
): ClassifiedLine | LineError | undefined {
  if (line.trim() === "") return undefined;
  let payload: unknown;
  try {
    payload = JSON.parse(line);
  } catch (error) {
    return { line: n, error: `malformed JSON: ${(error as Error).message}` };
  }
  try {
    const event = normalizeStackone(payload, line);
    const c = classifier.classify(event);
    return {
      event_id: event.id,
      account_id: event.account.id,
      provider: event.provider,
      status: event.http?.status ?? null,
      rule_id: c.rule_id,
      category: c.category,
      severity: c.severity,
      audience: c.audience,
      title: c.title,
      remediation: c.remediation,
      explanation: c.explanation,
    };
  } catch (error) {
    // Anything else is a bug in Quirkwatch, not in the input: let it surface.
    if (error instanceof EventValidationError) return { line: n, error: error.message };
    throw error;
  }
}

/** Writes one output line per input line; resolves to the number of lines in error. */
export async function classifyStream(
  input: Readable,
  classifier: Classifier,
  write: (line: string) => boolean | Promise<boolean>,
): Promise<number> {
  let n = 0;
  let errors = 0;
  for await (const line of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
    n += 1;
    const result = classifyLine(line, n, classifier);
    if (result === undefined) continue;
    if ("error" in result) errors += 1;
    await write(`${JSON.stringify(result)}\n`);
  }
  return errors;
}

/** Honours back-pressure so a large file piped into a slow reader stays out of memory. */
async function writeStdout(chunk: string): Promise<boolean> {
  if (!process.stdout.write(chunk)) await once(process.stdout, "drain");
  return true;
}

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

async function main(args: string[]): Promise<void> {
  const [file, ...extra] = args;
  if (file === undefined || extra.length > 0 || file === "-h" || file === "--help") fail(USAGE);
  if (file !== "-") {
    const stat = statSync(file, { throwIfNoEntry: false });
    if (stat === undefined) fail(`classify: ${file}: no such file\n${USAGE}`);
    if (!stat.isFile()) fail(`classify: ${file}: not a file`);
  }

  let classifier: Classifier;
  try {
    classifier = createClassifier(loadRules(rulesPath()));
  } catch (error) {
    // RuleValidationError lists every problem by rule id and field.
    fail(`classify: ${(error as Error).message}`);
  }

  // `| head` closes the pipe early: that is not an error.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0);
    throw error;
  });
  const input = file === "-" ? process.stdin : createReadStream(file);
  const errors = await classifyStream(input, classifier, writeStdout);
  process.exitCode = errors > 0 ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main(process.argv.slice(2));
}
