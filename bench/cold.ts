/**
 * `npm run bench:cold`: builds the functions, then measures how long each bundle takes to import
 * in a fresh Node process (the part of a cold start our code controls), next to a baseline bundle
 * holding only the AWS clients that function uses. Target: ours ≤ 1.25× the baseline.
 * Also checks that ingest, which sits on the sender's clock, carries no DynamoDB or SNS code.
 * Exits 1 when a check or the target fails.
 */
import { spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { build, type Metafile } from "esbuild";
import {
  BUNDLE_OPTIONS,
  buildAll,
  DIST_DIR,
  formatKb,
  packagesIn,
  ROOT,
} from "../scripts/build.ts";

const RUNS = 15;
/** The longest function name, `poll-request-logs`, and two spaces. */
const NAME_WIDTH = 19;
const TARGET_RATIO = 1.25;

/** The client class each SDK package exports, for the baseline bundles. */
const CLIENT_CLASSES: Record<string, string> = {
  "@aws-sdk/client-dynamodb": "DynamoDBClient",
  "@aws-sdk/client-sqs": "SQSClient",
  "@aws-sdk/client-sns": "SNSClient",
  "@aws-sdk/client-sesv2": "SESv2Client",
};

const INGEST_FORBIDDEN = ["@aws-sdk/client-dynamodb", "@aws-sdk/client-sns"];

/** What a handler module may read while loading. Fakes: the bench never calls a handler. */
const BENCH_ENV = {
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "bench",
  AWS_SECRET_ACCESS_KEY: "bench",
  TABLE_NAME: "quirkwatch-bench",
  QUEUE_URL: "https://sqs.us-east-1.amazonaws.com/000000000000/quirkwatch-bench",
  ALERTS_TOPIC_ARN: "arn:aws:sns:us-east-1:000000000000:quirkwatch-bench",
  STACKONE_WEBHOOK_SECRET: "bench-secret",
  ADMIN_TOKEN: "bench-token",
  EMAIL_FROM: "Quirkwatch <alerts@bench.example>",
};

async function buildBaseline(name: string, clients: string[]) {
  const imports = clients.map((c) => `import { ${CLIENT_CLASSES[c]} } from "${c}";`);
  // Touch each client so tree shaking keeps what constructing one costs.
  const uses = clients.map((c) => `new ${CLIENT_CLASSES[c]}({})`);
  const contents = `${imports.join("\n")}\nexport const clients = [${uses.join(", ")}];\n`;
  const outfile = join(DIST_DIR, "baseline", `${name}.mjs`);
  await build({
    ...BUNDLE_OPTIONS,
    stdin: { contents, resolveDir: ROOT, sourcefile: `baseline-${name}.ts`, loader: "ts" },
    outfile,
  });
  return { outfile, bytes: statSync(outfile).size };
}

/** Milliseconds to import `file` in a fresh Node process. */
function importMs(file: string): number {
  const url = JSON.stringify(pathToFileURL(file).href);
  const code = `const t = performance.now(); await import(${url}); process.stdout.write(String(performance.now() - t));`;
  const run = spawnSync(process.execPath, ["--input-type=module", "-e", code], {
    env: { ...process.env, ...BENCH_ENV },
    encoding: "utf8",
  });
  if (run.status !== 0) throw new Error(`importing ${file} failed:\n${run.stderr}`);
  return Number(run.stdout);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** The three packages (or source folders) that take the most room in a bundle. */
function heaviestPackages(metafile: Metafile): string {
  const bytes = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, input] of Object.entries(output.inputs)) {
      const owner = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path)?.[1] ?? dirname(path);
      bytes.set(owner, (bytes.get(owner) ?? 0) + input.bytesInOutput);
    }
  }
  return [...bytes]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([owner, size]) => `${owner} ${formatKb(size)}`)
    .join(", ");
}

const bundles = await buildAll();
let failed = false;

const ingest = bundles.find((b) => b.name === "ingest");
if (ingest === undefined) {
  console.log("ingest: no functions/ingest.ts to check");
  failed = true;
} else {
  const pulledIn = packagesIn(ingest.metafile).filter((p) => INGEST_FORBIDDEN.includes(p));
  console.log(
    pulledIn.length === 0
      ? "ingest: no DynamoDB or SNS code in the bundle (ok)"
      : `ingest: FAIL, the bundle pulls in ${pulledIn.join(", ")}`,
  );
  if (pulledIn.length > 0) failed = true;
}

console.log(`\nmedian import time of ${RUNS} fresh processes each\n`);
console.log(
  `${"function".padEnd(NAME_WIDTH)}${"size".padStart(10)}${"import".padStart(10)}${"baseline".padStart(12)}${"import".padStart(10)}${"ratio".padStart(8)}  clients`,
);

for (const bundle of bundles) {
  const clients = packagesIn(bundle.metafile).filter((p) => p.startsWith("@aws-sdk/client-"));
  const unknown = clients.filter((c) => CLIENT_CLASSES[c] === undefined);
  if (unknown.length > 0) console.log(`${bundle.name}: no baseline for ${unknown.join(", ")}`);
  const baseline = await buildBaseline(
    bundle.name,
    clients.filter((c) => CLIENT_CLASSES[c] !== undefined),
  );

  // Interleaved, so drift in the machine's load hits both sides alike.
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    ours.push(importMs(bundle.outfile));
    theirs.push(importMs(baseline.outfile));
  }
  const oursMs = median(ours);
  const baselineMs = median(theirs);
  const ratio = clients.length > 0 ? oursMs / baselineMs : undefined;
  const verdict = ratio === undefined ? "(no clients)" : ratio <= TARGET_RATIO ? "ok" : "OVER";
  if (ratio !== undefined && ratio > TARGET_RATIO) failed = true;
  const heaviest = verdict === "OVER" ? `  heaviest: ${heaviestPackages(bundle.metafile)}` : "";
  console.log(
    `${bundle.name.padEnd(NAME_WIDTH)}${formatKb(bundle.bytes).padStart(10)}${`${oursMs.toFixed(1)} ms`.padStart(10)}` +
      `${formatKb(baseline.bytes).padStart(12)}${`${baselineMs.toFixed(1)} ms`.padStart(10)}` +
      `${(ratio === undefined ? "-" : `${ratio.toFixed(2)}x`).padStart(8)}  ${clients.join(" ") || "-"} ${verdict}${heaviest}`,
  );
}

console.log(`\ntarget: import time ≤ ${TARGET_RATIO}x the baseline`);
if (failed) process.exitCode = 1;
