/**
 * `npm run --silent classify -- FILE` (or `-` for stdin): classifies raw StackOne webhook
 * payloads and prints one JSON line per payload, in order, saying which rule it matches and
 * whether it would open an incident. The input is JSON lines (each line a payload or an array of
 * them) or one JSON document (a payload, or an array of payloads, over any number of lines).
 * A payload that cannot be classified prints `{"line": n, "error": "..."}` (with `index` for an
 * array element) and the run goes on; blank lines are skipped. A one-line summary goes to stderr.
 * Custom rules come from QUIRKWATCH_RULES or ./quirkwatch.rules.json.
 *
 * Exit codes: 0 every payload classified, 1 some could not be, 2 bad usage, a missing file or
 * an invalid rules file.
 */
import { once } from "node:events";
import { createReadStream, statSync } from "node:fs";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { pathToFileURL } from "node:url";
import { type Classifier, createClassifier } from "../shared/classify/classifier.ts";
import { rulesPath } from "../shared/config.ts";
import { EventValidationError } from "../shared/events/parse-event.ts";
import { effectOf } from "../shared/incidents/batch.ts";
import { loadRules } from "../shared/quirks/custom.ts";
import type { Category, MustAct, Severity } from "../shared/quirks/rule.ts";
import { normalizeStackone } from "../shared/sources/stackone/normalize.ts";

/** What the pipeline would do with the payload. */
export type Effect =
  /** Counted into an incident of its account: a problem. */
  | "incident"
  /** Resolves open incidents of its account (a recovery, or the account's deletion). */
  | "resolves"
  /** Nothing: no problem (success, expected behaviour, an informational event). */
  | "none";

export type ClassifiedPayload = {
  /** Array elements only: the position in their array. */
  index?: number;
  event_id: string;
  account_id: string;
  provider: string;
  status: number | null;
  rule_id: string;
  category: Category;
  severity: Severity;
  must_act: MustAct;
  effect: Effect;
  title: string;
  remediation: string[];
  explanation: string[];
};

export type PayloadError = { line: number; index?: number; error: string };
export type Output = ClassifiedPayload | PayloadError;

const USAGE = `usage: npm run --silent classify -- FILE
  FILE holds raw StackOne webhook payloads: JSON lines (each a payload or an array of them), or
  one JSON document (a payload or an array of payloads). - reads stdin.
  Custom rules: QUIRKWATCH_RULES=path, or ./quirkwatch.rules.json when present.`;

const EFFECTS = { count: "incident", resolve: "resolves", none: "none" } as const;

/** Classifies one payload; `raw` is its own text, which its fallback event id is a hash of. */
function classifyPayload(
  payload: unknown,
  raw: string,
  where: { line: number; index?: number },
  classifier: Classifier,
): Output {
  const index = where.index === undefined ? {} : { index: where.index };
  try {
    const event = normalizeStackone(payload, raw);
    const c = classifier.classify(event);
    return {
      ...index,
      event_id: event.id,
      account_id: event.account.id,
      provider: event.provider,
      status: event.http?.status ?? null,
      rule_id: c.rule_id,
      category: c.category,
      severity: c.severity,
      must_act: c.must_act,
      effect: EFFECTS[effectOf(event, classifier).kind],
      title: c.title,
      remediation: c.remediation,
      explanation: c.explanation,
    };
  } catch (error) {
    // Anything else is a bug in Quirkwatch, not in the input: let it surface.
    if (error instanceof EventValidationError)
      return { line: where.line, ...index, error: error.message };
    throw error;
  }
}

/** A parsed JSON value's payloads: the value itself, or each element of an array. */
function classifyValue(value: unknown, text: string, line: number, c: Classifier): Output[] {
  if (!Array.isArray(value)) return [classifyPayload(value, text, { line }, c)];
  // Each element is its own raw body, as ingest reads an array.
  return value.map((element, index) =>
    classifyPayload(element, JSON.stringify(element), { line, index }, c),
  );
}

/**
 * Classifies one input line (`n` is its 1-based number): an empty list for a blank line, one
 * output per payload otherwise, and an error naming the problem for a line that is not JSON.
 */
export function classifyLine(line: string, n: number, classifier: Classifier): Output[] {
  if (line.trim() === "") return [];
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return [{ line: n, error: `malformed JSON: ${(error as Error).message}` }];
  }
  return classifyValue(value, line, n, classifier);
}

export type Summary = { payloads: number } & Record<Effect | "errors", number>;

export function summaryLine(s: Summary): string {
  const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
  return `classify: ${plural(s.payloads, "payload")}: ${s.incident} would count into an incident, ${s.resolves} would resolve incidents, ${s.none} no problem, ${plural(s.errors, "error")}`;
}

/**
 * Writes one output line per payload. JSON lines are streamed; input whose first line is not
 * JSON on its own is read whole as one document (and, if that is not JSON either, line by line,
 * so every bad line is named).
 */
export async function classifyStream(
  input: Readable,
  classifier: Classifier,
  write: (line: string) => boolean | Promise<boolean>,
): Promise<Summary> {
  const summary: Summary = { payloads: 0, incident: 0, resolves: 0, none: 0, errors: 0 };
  const emit = async (outputs: Output[]) => {
    for (const output of outputs) {
      summary.payloads += 1;
      if ("error" in output) summary.errors += 1;
      else summary[output.effect] += 1;
      await write(`${JSON.stringify(output)}\n`);
    }
  };
  let documentLines: string[] | undefined;
  let n = 0;
  for await (const line of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
    n += 1;
    if (documentLines !== undefined) {
      documentLines.push(line);
      continue;
    }
    const outputs = classifyLine(line, n, classifier);
    const [first] = outputs;
    if (
      summary.payloads === 0 &&
      first &&
      "error" in first &&
      first.error.startsWith("malformed")
    ) {
      documentLines = [line];
      continue;
    }
    await emit(outputs);
  }
  if (documentLines !== undefined) {
    const text = documentLines.join("\n");
    const firstLine = n - documentLines.length + 1;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      for (const [i, line] of documentLines.entries()) {
        await emit(classifyLine(line, firstLine + i, classifier));
      }
      return summary;
    }
    await emit(classifyValue(value, text, firstLine, classifier));
  }
  return summary;
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
  const summary = await classifyStream(input, classifier, writeStdout);
  process.stderr.write(`${summaryLine(summary)}\n`);
  process.exitCode = summary.errors > 0 ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main(process.argv.slice(2));
}
