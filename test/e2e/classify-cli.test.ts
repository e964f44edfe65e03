import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { classifyLine } from "../../scripts/classify.ts";
import { createClassifier } from "../../shared/classify/classifier.ts";
import { BUILTIN_RULES } from "../../shared/quirks/catalog.ts";

const SCRIPT = fileURLToPath(new URL("../../scripts/classify.ts", import.meta.url));
// Absolute, so the CLI can run from any directory (the default rules file is read from there).
const TSX = pathToFileURL(
  fileURLToPath(new URL("../../node_modules/tsx/dist/loader.mjs", import.meta.url)),
).href;
const fixture = (name: string) =>
  fileURLToPath(new URL(`../fixtures/custom-rules/${name}`, import.meta.url));

const ACCOUNT = "45355976281015164504";

const leverFailure = (status: number, requestId: string) => ({
  event: "request.failed",
  event_date: "2025-03-04T10:21:34.000Z",
  account_id: ACCOUNT,
  provider: "lever",
  data: {
    request_id: requestId,
    account_id: ACCOUNT,
    provider: "lever",
    resource: "candidates",
    status,
    success: false,
    request: { method: "GET", url: "https://api.stackone.com/unified/ats/candidates" },
    response: {
      status_code: status,
      provider_errors: [
        { status, url: "https://api.lever.co/v1/opportunities", raw: { code: "LeverError" } },
      ],
    },
  },
});

const bareError = (provider: string, status: number) => ({
  statusCode: status,
  message: `Request failed with status ${status}`,
  timestamp: "2025-03-04T10:21:33.412Z",
  account_id: ACCOUNT,
  provider,
  provider_errors: [],
});

const accountError = {
  event: "account.error",
  event_date: "2025-03-04T09:00:00.000Z",
  account_id: ACCOUNT,
  provider: "bamboohr",
  data: { id: ACCOUNT, provider: "bamboohr", status: "error" },
};

/** Input lines: good ones, a blank one, and three bad ones in between. */
const LINES = [
  JSON.stringify(leverFailure(401, "req_1")),
  JSON.stringify(bareError("hibob", 501)),
  "{not json",
  "",
  JSON.stringify({ statusCode: 500, provider: "lever" }),
  JSON.stringify(accountError),
  "   ",
  JSON.stringify([1, 2, 3]),
  JSON.stringify(bareError("workday", 429)),
];

type Run = { code: number | null; stdout: string; stderr: string };

function runCli(
  args: string[],
  options: { stdin?: string; cwd?: string; env?: Record<string, string> } = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
    if (options.env?.QUIRKWATCH_RULES === undefined) delete env.QUIRKWATCH_RULES;
    const child = spawn(process.execPath, ["--import", TSX, SCRIPT, ...args], {
      cwd: options.cwd ?? mkdtempSync(join(tmpdir(), "quirkwatch-classify-")),
      env,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? "");
  });
}

const outputLines = (run: Run) =>
  run.stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);

function inputFile(lines: string[]): string {
  const file = join(mkdtempSync(join(tmpdir(), "quirkwatch-input-")), "events.jsonl");
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

function expectClassifiedInOrder(run: Run) {
  const out = outputLines(run);
  expect(out.map((o) => o.rule_id ?? `line ${o.line}`)).toEqual([
    "lever.401",
    "hibob.501_missing_permissions",
    "line 3",
    "line 5",
    "stackone.account_error",
    "line 8",
    "line 8",
    "line 8",
    "stackone.429",
  ]);
  const [lever, , badJson, missing, , notObject] = out;
  expect(lever).toMatchObject({
    account_id: ACCOUNT,
    provider: "lever",
    status: 401,
    category: "reauth_required",
    severity: "critical",
    must_act: "customer",
    effect: "incident",
    title: "Lever credentials rejected",
  });
  expect(lever?.event_id).toMatch(/^sha256_/);
  expect(lever?.remediation).toContainEqual(expect.stringMatching(/re-authenticate/));
  expect(lever?.explanation).toEqual(["provider is lever", "status 401"]);
  expect(badJson?.error).toMatch(/malformed JSON/);
  expect(missing?.error).toMatch(/account_id/);
  expect(missing?.error).not.toMatch(/provider/);
  // An array on a line is a list of payloads, each named by its index.
  expect(notObject).toMatchObject({
    line: 8,
    index: 0,
    error: expect.stringMatching(/JSON object/),
  });
  expect(run.stderr).toBe(
    "classify: 9 payloads: 4 would count into an incident, 0 would resolve incidents, 0 no problem, 5 errors\n",
  );
}

describe("classifyLine", () => {
  const classifier = createClassifier(BUILTIN_RULES);

  it("classifies a payload and names the missing fields of a bad one", () => {
    expect(classifyLine(JSON.stringify(bareError("lever", 503)), 1, classifier)).toEqual([
      expect.objectContaining({
        rule_id: "lever.503",
        category: "provider_unavailable",
        status: 503,
        effect: "incident",
      }),
    ]);
    expect(classifyLine(JSON.stringify({ statusCode: 500 }), 7, classifier)).toEqual([
      { line: 7, error: expect.stringMatching(/account_id.*provider/) },
    ]);
    expect(classifyLine("  ", 2, classifier)).toEqual([]);
  });

  it("gives a redelivered payload the same event id", () => {
    const line = JSON.stringify(leverFailure(429, "req_9"));
    const [first] = classifyLine(line, 1, classifier);
    const [again] = classifyLine(line, 2, classifier);
    expect(first).toHaveProperty("event_id");
    expect(again).toEqual(first);
  });

  it("explains what opens no incident, and what resolves", () => {
    const created = { ...accountError, event: "account.created", data: { status: "active" } };
    const deleted = { ...accountError, event: "account.deleted", data: { status: "inactive" } };
    const [c, d] = classifyLine(JSON.stringify([created, deleted]), 1, classifier);
    expect(c).toMatchObject({
      index: 0,
      rule_id: "stackone.fallback_info",
      must_act: "nobody",
      effect: "none",
    });
    expect(d).toMatchObject({ index: 1, rule_id: "stackone.account_deleted", effect: "resolves" });
  });
});

describe("npm run classify", () => {
  it("classifies a file line by line, in order, reporting bad lines and going on", async () => {
    const run = await runCli([inputFile(LINES)]);
    expectClassifiedInOrder(run);
    expect(run.code).toBe(1);
  });

  it("reads stdin with -", async () => {
    const run = await runCli(["-"], { stdin: LINES.join("\r\n") });
    expectClassifiedInOrder(run);
    expect(run.code).toBe(1);
  });

  it("exits 0 when every line is classified", async () => {
    const good = [leverFailure(429, "r1"), bareError("greenhouse", 404), accountError];
    const run = await runCli([inputFile(good.map((p) => JSON.stringify(p)))]);
    expect(outputLines(run).map((o) => o.rule_id)).toEqual([
      "lever.429",
      "stackone.404",
      "stackone.account_error",
    ]);
    expect(run.stderr).toBe(
      "classify: 3 payloads: 3 would count into an incident, 0 would resolve incidents, 0 no problem, 0 errors\n",
    );
    expect(run.code).toBe(0);
  });

  it("reads one JSON document: a payload or an array of them, over several lines", async () => {
    const pretty = JSON.stringify([leverFailure(401, "r1"), accountError], null, 2);
    const run = await runCli(["-"], { stdin: pretty });
    expect(outputLines(run)).toEqual([
      expect.objectContaining({ index: 0, rule_id: "lever.401" }),
      expect.objectContaining({ index: 1, rule_id: "stackone.account_error" }),
    ]);
    expect(run.code).toBe(0);
    const single = await runCli(["-"], { stdin: JSON.stringify(bareError("lever", 503), null, 2) });
    expect(outputLines(single)).toEqual([expect.objectContaining({ rule_id: "lever.503" })]);
    expect(single.stderr).toMatch(/^classify: 1 payload: 1 would count into an incident/);
  });

  it("names every bad line when the input is neither a document nor JSON lines", async () => {
    const run = await runCli(["-"], {
      stdin: `{nope\n${JSON.stringify(bareError("lever", 503))}\n`,
    });
    expect(outputLines(run)).toEqual([
      { line: 1, error: expect.stringMatching(/malformed JSON/) },
      expect.objectContaining({ rule_id: "lever.503" }),
    ]);
    expect(run.code).toBe(1);
  });

  it("prints usage and exits 2 without a file argument", async () => {
    const run = await runCli([]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/usage: npm run --silent classify -- FILE/);
  });

  it("exits 2 on a missing file, naming it", async () => {
    const run = await runCli(["/nonexistent/events.jsonl"]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/\/nonexistent\/events\.jsonl: no such file/);
  });

  it("applies the custom rules named by QUIRKWATCH_RULES", async () => {
    const run = await runCli([inputFile([JSON.stringify(leverFailure(429, "r1"))])], {
      env: { QUIRKWATCH_RULES: fixture("lever-patch.json") },
    });
    expect(outputLines(run)).toEqual([
      expect.objectContaining({ rule_id: "lever.429", title: "Lever rate limit reached (tuned)" }),
    ]);
    expect(run.code).toBe(0);
  });

  it("reads ./quirkwatch.rules.json when QUIRKWATCH_RULES is not set", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "quirkwatch-cwd-"));
    writeFileSync(
      join(cwd, "quirkwatch.rules.json"),
      JSON.stringify([{ id: "stackone.404", title: "Record not found (ours)" }]),
    );
    const run = await runCli(["-"], { cwd, stdin: JSON.stringify(bareError("workday", 404)) });
    expect(outputLines(run)).toEqual([
      expect.objectContaining({ rule_id: "stackone.404", title: "Record not found (ours)" }),
    ]);
  });

  it("fails at start with exit 2 and every problem listed when the rules file is bad", async () => {
    const run = await runCli([inputFile(LINES)], {
      env: { QUIRKWATCH_RULES: fixture("invalid.json") },
    });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/rule lever\.401: category: /);
    expect(run.stderr).toMatch(/rule acme\.no_title: title: /);
    expect(run.stderr).toMatch(/rule greenhouse\.404_on_behalf_of: match\.message: /);
  });
});
