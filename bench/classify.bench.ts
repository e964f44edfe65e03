/**
 * `npm run bench`: classifies 100k realistic normalized events (bench/events.ts) with our
 * classifier and, on a subset, with the same rules translated into json-rules-engine; prints
 * events/s for both, their ratio and how often they agree on the rule.
 * Targets: ≥ 1M classifications/s on one thread, ≥ 500× json-rules-engine, 100% agreement.
 *
 * tsx compiles with esbuild's keepNames, which renames every closure at creation and slows
 * hot code several fold. So this file bundles itself the way Lambda code is bundled
 * (scripts/build.ts BUNDLE_OPTIONS) and measures in a plain `node` child process.
 * Exits 1 when the two engines disagree on a rule; a missed speed target is shown, not fatal.
 */
import { spawnSync } from "node:child_process";
import { cpus } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Engine, type NestedCondition, type RuleProperties } from "json-rules-engine";
import { type Classifier, createClassifier } from "../shared/classify/classifier.ts";
import type { IntegrationEvent, JsonValue } from "../shared/events/event.ts";
import { BUILTIN_RULES } from "../shared/quirks/catalog.ts";
import type { FieldPredicate, QuirkRule } from "../shared/quirks/rule.ts";
import { MIX, normalizedEvents } from "./events.ts";

const EVENTS = 100_000;
const ENGINE_EVENTS = 2_000;
const ROUNDS = 7;
const ENGINE_ROUNDS = 3;
const TARGET_PER_SECOND = 1_000_000;
const TARGET_RATIO = 500;
const BUNDLED_ENV = "QUIRKWATCH_BENCH_BUNDLED";

// ---------------------------------------------------------------------------------------------
// The same rules in json-rules-engine.

type Facts = {
  provider: string;
  status: number | null;
  kind: string;
  type: string | null;
  method: string | null;
  path: string | null;
  resource: string | null;
  message: string;
  request: JsonValue | null;
  response: JsonValue | null;
};

/** What the classifier's message condition searches: message, code and provider errors. */
function searchableText(event: IntegrationEvent): string {
  const error = event.error;
  if (!error) return "";
  return [error.message, error.code, ...(error.provider_errors ?? []).map((p) => p.raw)]
    .filter((s) => s !== undefined)
    .join("\n");
}

function factsOf(event: IntegrationEvent): Facts {
  return {
    provider: event.provider,
    status: event.http?.status ?? null,
    kind: event.kind,
    type: event.type ?? null,
    method: event.http?.method ?? null,
    path: event.http?.path ?? null,
    resource: event.resource ?? null,
    message: searchableText(event),
    request: event.request_body ?? null,
    response: event.response_body ?? null,
  };
}

/** Our precedence, as in the classifier: provider rules, then more conditions, then priority. */
function rankOf(rule: QuirkRule): [number, number, number] {
  const m = rule.match;
  const conditions =
    (m.status ? 1 : m.status_class ? 0.5 : 0) +
    [m.kind, m.type, m.method, m.path, m.message].filter((c) => c !== undefined).length +
    (m.fields?.length ?? 0);
  return [rule.provider === undefined ? 0 : 1, conditions, rule.priority];
}

function toEngineRule(rule: QuirkRule, priority: number): RuleProperties {
  const m = rule.match;
  const all: NestedCondition[] = [];
  if (rule.provider !== undefined) {
    all.push({ fact: "provider", operator: "equal", value: rule.provider });
  }
  if (m.status) all.push({ fact: "status", operator: "in", value: m.status });
  else if (m.status_class) {
    all.push({ fact: "status", operator: "statusClass", value: m.status_class });
  }
  if (m.kind) all.push({ fact: "kind", operator: "in", value: m.kind });
  if (m.type) all.push({ fact: "type", operator: "matches", value: m.type });
  if (m.method) all.push({ fact: "method", operator: "in", value: m.method });
  if (m.path) {
    all.push({
      any: [
        { fact: "path", operator: "matches", value: m.path },
        { fact: "resource", operator: "matches", value: m.path },
      ],
    });
  }
  if (m.message) all.push({ fact: "message", operator: "matchesIgnoringCase", value: m.message });
  for (const predicate of m.fields ?? []) {
    all.push({ fact: predicate.in, operator: "field", value: predicate });
  }
  return { name: rule.id, priority, conditions: { all }, event: { type: rule.id } };
}

const regexCache = new Map<string, RegExp>();
function regex(pattern: string, flags = ""): RegExp {
  const key = `${flags}/${pattern}`;
  let re = regexCache.get(key);
  if (re === undefined) {
    re = new RegExp(pattern, flags);
    regexCache.set(key, re);
  }
  return re;
}

/** Values at a dotted path; arrays on the way fan out to every element. */
function valuesAt(value: JsonValue, segments: string[], from = 0): (JsonValue | undefined)[] {
  const head = segments[from];
  if (head === undefined) return [value];
  if (Array.isArray(value)) return value.flatMap((v) => valuesAt(v, segments, from));
  if (value === null || typeof value !== "object") return [undefined];
  const next = value[head];
  return next === undefined ? [undefined] : valuesAt(next, segments, from + 1);
}

const isEmpty = (v: JsonValue | undefined): boolean =>
  v === undefined ||
  v === null ||
  v === "" ||
  (Array.isArray(v) ? v.length === 0 : typeof v === "object" && Object.keys(v).length === 0);

function fieldHolds(body: JsonValue | null, p: FieldPredicate): boolean {
  if (body === null) return false;
  const values = valuesAt(body, p.path.split("."));
  switch (p.is) {
    case "missing":
      return values.some((v) => v === undefined);
    case "null":
      return values.some((v) => v === null);
    case "empty":
      return values.some(isEmpty);
    case "equals":
      return values.some((v) => v === p.value);
    case "not_matching": {
      const re = regex(String(p.value));
      return values.some(
        (v) =>
          v !== undefined &&
          v !== null &&
          !re.test(typeof v === "object" ? JSON.stringify(v) : String(v)),
      );
    }
  }
}

/**
 * One engine with every rule at its own priority, in our order of precedence, stopped at the
 * first success: the cheapest way json-rules-engine can pick the one winning rule.
 */
function createEngine(rules: QuirkRule[]): { classify(facts: Facts): Promise<string> } {
  const ordered = rules
    .map((rule, index) => ({ rule, index, rank: rankOf(rule) }))
    // Ascending; on a tie the earlier rule wins, as in the classifier, so it ranks higher.
    .sort(
      (a, b) =>
        a.rank[0] - b.rank[0] ||
        a.rank[1] - b.rank[1] ||
        a.rank[2] - b.rank[2] ||
        b.index - a.index,
    );
  const engine = new Engine(
    ordered.map(({ rule }, i) => toEngineRule(rule, i + 1)),
    { allowUndefinedFacts: true },
  );
  engine.addOperator<string | null, string>("matches", (fact, pattern) =>
    fact === null ? false : regex(pattern).test(fact),
  );
  engine.addOperator<string, string>("matchesIgnoringCase", (fact, pattern) =>
    regex(pattern, "i").test(fact),
  );
  engine.addOperator<number | null, string>("statusClass", (status, wanted) =>
    status === null ? false : `${Math.floor(status / 100)}xx` === wanted,
  );
  engine.addOperator<JsonValue | null, FieldPredicate>("field", fieldHolds);
  engine.on("success", () => {
    engine.stop();
  });
  return {
    async classify(facts) {
      const { events } = await engine.run(facts);
      return events[0]?.type ?? "quirkwatch.unclassified";
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Measuring.

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

/** Seconds per pass over `events`, median of `rounds` after `warmup` passes. */
function timeOurs(
  classifier: Classifier,
  events: IntegrationEvent[],
  warmup: number,
  rounds: number,
) {
  let sink = 0;
  const pass = () => {
    for (const event of events) sink += classifier.classify(event).rule_id.length;
  };
  for (let i = 0; i < warmup; i++) pass();
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = process.hrtime.bigint();
    pass();
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  if (sink === 0) throw new Error("nothing was classified");
  return median(times);
}

async function timeEngine(
  engine: ReturnType<typeof createEngine>,
  events: IntegrationEvent[],
  rounds: number,
): Promise<{ seconds: number; ruleIds: string[] }> {
  let ruleIds: string[] = [];
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const ids: string[] = [];
    const start = process.hrtime.bigint();
    for (const event of events) ids.push(await engine.classify(factsOf(event)));
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
    ruleIds = ids;
  }
  return { seconds: median(times), ruleIds };
}

const int = (n: number) => Math.round(n).toLocaleString("en-US");
const verdict = (ok: boolean) => (ok ? "ok" : "MISSED");

async function measure(): Promise<void> {
  console.log(
    `Classifier benchmark: Node ${process.version}, ${cpus()[0]?.model ?? "unknown CPU"}, one thread, code bundled as for Lambda`,
  );
  const generating = process.hrtime.bigint();
  const events = normalizedEvents(EVENTS);
  const generated = Number(process.hrtime.bigint() - generating) / 1e9;

  const classifier = createClassifier(BUILTIN_RULES);
  const ours = events.map((e) => classifier.classify(e).rule_id);
  const rulesHit = new Set(ours).size;
  console.log(
    `${int(EVENTS)} events from ${MIX.length} kinds of traffic, normalized in ${generated.toFixed(1)} s; they hit ${rulesHit} of ${BUILTIN_RULES.length} rules`,
  );

  const oursSeconds = timeOurs(classifier, events, 3, ROUNDS);
  const oursRate = EVENTS / oursSeconds;

  const engine = createEngine(BUILTIN_RULES);
  const subset = events.slice(0, ENGINE_EVENTS);
  await timeEngine(engine, subset.slice(0, 200), 1);
  const measured = await timeEngine(engine, subset, ENGINE_ROUNDS);
  const engineRate = ENGINE_EVENTS / measured.seconds;
  const disagreements = measured.ruleIds
    .map((id, i) => ({ id, ours: ours[i], event: subset[i] }))
    .filter((d) => d.id !== d.ours);
  const agreement = 1 - disagreements.length / ENGINE_EVENTS;
  const ratio = oursRate / engineRate;

  const rows: [string, string, string, string][] = [
    ["", "events/s", "target", ""],
    [
      "quirkwatch classifier",
      int(oursRate),
      `≥ ${int(TARGET_PER_SECOND)}`,
      verdict(oursRate >= TARGET_PER_SECOND),
    ],
    ["json-rules-engine", int(engineRate), "", ""],
    ["ratio", `${int(ratio)}×`, `≥ ${TARGET_RATIO}×`, verdict(ratio >= TARGET_RATIO)],
    [
      "same rule_id",
      `${(agreement * 100).toFixed(1)}%`,
      "100%",
      verdict(disagreements.length === 0),
    ],
  ];
  const widths = [0, 1, 2, 3].map((c) => Math.max(...rows.map((r) => r[c]?.length ?? 0)));
  console.log("");
  for (const row of rows) {
    console.log(
      `  ${row[0].padEnd(widths[0] ?? 0)}  ${row[1].padStart(widths[1] ?? 0)}  ${row[2].padEnd(widths[2] ?? 0)}  ${row[3]}`.trimEnd(),
    );
  }
  console.log(
    `\n  ours: median of ${ROUNDS} passes over ${int(EVENTS)} events after 3 warm-up passes; json-rules-engine: median of ${ENGINE_ROUNDS} passes over the first ${int(ENGINE_EVENTS)}`,
  );
  for (const d of disagreements.slice(0, 5)) {
    console.log(
      `  disagree: ours ${d.ours}, json-rules-engine ${d.id}: ${JSON.stringify(d.event)}`,
    );
  }

  // A missed speed target shows in the table; only a disagreement fails the run, so the
  // benchmarks chained after this one in `npm run bench` still print their figures.
  if (disagreements.length > 0) process.exitCode = 1;
}

/** Bundles this file as Lambda code is bundled, then measures in a plain node process. */
async function bundleAndRun(): Promise<void> {
  const { build } = await import("esbuild");
  const { BUNDLE_OPTIONS, ROOT } = await import("../scripts/build.ts");
  // Under node_modules, so the bundle resolves the packages it leaves external.
  const outfile = join(ROOT, "node_modules", ".cache", "quirkwatch-bench", "classify.bench.mjs");
  await build({
    ...BUNDLE_OPTIONS,
    entryPoints: [fileURLToPath(import.meta.url)],
    outfile,
    external: ["esbuild"],
  });
  const run = spawnSync(process.execPath, [outfile], {
    stdio: "inherit",
    env: { ...process.env, [BUNDLED_ENV]: "1" },
  });
  process.exitCode = run.status ?? 1;
}

if (process.env[BUNDLED_ENV] === "1") await measure();
else await bundleAndRun();
