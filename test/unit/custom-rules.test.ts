import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createClassifier } from "../../shared/classify/classifier.ts";
import { rulesPath } from "../../shared/config.ts";
import { BUILTIN_RULES, RuleValidationError } from "../../shared/quirks/catalog.ts";
import { applyCustomRules, loadRules } from "../../shared/quirks/custom.ts";
import type { QuirkRule } from "../../shared/quirks/rule.ts";
import { normalizeStackone } from "../../shared/sources/stackone/normalize.ts";
import { openedIncident } from "../support/factories.ts";

const fixture = (name: string) =>
  fileURLToPath(new URL(`../fixtures/custom-rules/${name}`, import.meta.url));

/** A bare StackOne unified-API error body, as the API answers it. */
function failure(provider: string, status: number, message: string, requestId = "req_1") {
  const payload = {
    statusCode: status,
    message,
    timestamp: "2025-03-04T10:21:33.412Z",
    account_id: "45355976281015164504",
    provider,
    request_id: requestId,
    provider_errors: [],
  };
  return normalizeStackone(payload, JSON.stringify(payload));
}

const classify = (rules: QuirkRule[], event: ReturnType<typeof failure>) =>
  createClassifier(rules).classify(event);

const byId = (rules: QuirkRule[], id: string) => {
  const rule = rules.find((r) => r.id === id);
  if (rule === undefined) throw new Error(`no rule ${id}`);
  return rule;
};

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("overriding a built-in rule by id", () => {
  const patched = loadRules(fixture("lever-patch.json"));
  const lever429 = failure("lever", 429, "Too many requests");

  it("changes the title and raises the threshold, keeping the rest of the rule", () => {
    const before = byId(BUILTIN_RULES, "lever.429");
    const after = byId(patched, "lever.429");
    expect(after.title).toBe("Lever rate limit reached (tuned)");
    expect(after.alert.threshold).toEqual({
      count: 50,
      window_seconds: before.alert.threshold.window_seconds,
    });
    expect(after.remediation).toEqual(before.remediation);
    expect(after.category).toBe("rate_limited");
    expect(patched).toHaveLength(BUILTIN_RULES.length);
  });

  it("leaves every other rule as it was", () => {
    for (const rule of BUILTIN_RULES) {
      if (rule.id !== "lever.429") expect(byId(patched, rule.id), rule.id).toEqual(rule);
    }
  });

  it("changes what a lever 429 is classified as", () => {
    expect(classify(BUILTIN_RULES, lever429).title).toBe("Lever rate limit reached");
    const result = classify(patched, lever429);
    expect(result.rule_id).toBe("lever.429");
    expect(result.title).toBe("Lever rate limit reached (tuned)");
    expect(result.alert.threshold.count).toBe(50);
  });

  it("changes when an incident fires: 20 rate-limit errors fire with the built-in rule only", () => {
    const now = new Date("2025-03-04T10:22:00.000Z");
    const events = Array.from({ length: 20 }, (_, i) =>
      failure("lever", 429, "Too many requests", `req_${i}`),
    );
    const incident = (rules: QuirkRule[]) => openedIncident(classify(rules, lever429), events, now);
    const builtin = incident(BUILTIN_RULES);
    expect(builtin.status).toBe("firing");
    expect(builtin.outbox.map((n) => n.kind)).toEqual(["firing"]);
    const tuned = incident(patched);
    expect(tuned.status).toBe("pending");
    expect(tuned.outbox).toEqual([]);
  });
});

describe("adding new rules", () => {
  const extended = loadRules(fixture("workable-409.json"));
  const duplicate = failure(
    "workable",
    409,
    "Conflict: a candidate with this email already exists",
  );

  it("adds complete rules next to the built-in ones", () => {
    expect(extended).toHaveLength(BUILTIN_RULES.length + 2);
    expect(byId(extended, "workable.409_duplicate_candidate").alert.threshold.count).toBe(5);
  });

  it("a provider rule beats the generic 4xx fallback for that provider only", () => {
    expect(classify(BUILTIN_RULES, duplicate).rule_id).toBe("stackone.fallback_4xx");
    const result = classify(extended, duplicate);
    expect(result.rule_id).toBe("workable.409_duplicate_candidate");
    expect(result.title).toBe("Workable candidate already exists");

    const elsewhere = failure("ashby", 409, "Conflict: a candidate with this email already exists");
    expect(classify(extended, elsewhere).rule_id).toBe("stackone.fallback_4xx");
    const otherConflict = failure("workable", 409, "Conflict: the job is closed");
    expect(classify(extended, otherConflict).rule_id).toBe("stackone.fallback_4xx");
  });

  it("a generic rule with more conditions beats a generic one, not a provider one", () => {
    const quota = (provider: string) => failure(provider, 429, "Daily quota exceeded for this key");
    expect(classify(BUILTIN_RULES, quota("ashby")).rule_id).toBe("stackone.429");
    expect(classify(extended, quota("ashby")).rule_id).toBe("custom.429_daily_quota");
    expect(classify(extended, quota("lever")).rule_id).toBe("lever.429");
    // The message condition still has to hold.
    expect(classify(extended, failure("ashby", 429, "Too many requests")).rule_id).toBe(
      "stackone.429",
    );
  });
});

describe("an invalid rules file", () => {
  function problemsOf(load: () => unknown): RuleValidationError {
    try {
      load();
    } catch (error) {
      expect(error).toBeInstanceOf(RuleValidationError);
      return error as RuleValidationError;
    }
    throw new Error("expected a RuleValidationError");
  }

  it("lists every problem by rule id and field", () => {
    const error = problemsOf(() => loadRules(fixture("invalid.json")));
    expect(error.message).toContain(fixture("invalid.json"));
    const expected = [
      /rule lever\.401: category: /,
      /rule acme\.no_title: title: /,
      /rule greenhouse\.404_on_behalf_of: match\.message: not a valid regular expression/,
      /rule lever\.503: id: duplicate/,
    ];
    for (const problem of expected) expect(error.message).toMatch(problem);
    expect(error.problems).toHaveLength(expected.length);
  });

  it("rejects a file that holds no array of rules", () => {
    const error = problemsOf(() => loadRules(fixture("not-array.json")));
    expect(error.message).toMatch(/expected an array of rules/);
  });

  it("rejects malformed JSON, naming the file", () => {
    const file = join(mkdtempSync(join(tmpdir(), "quirkwatch-rules-")), "rules.json");
    writeFileSync(file, '[{"id": "lever.429", "title": "unterminated]');
    const error = problemsOf(() => loadRules(file));
    expect(error.message).toContain(file);
    expect(error.message).toMatch(/JSON/);
  });

  it("rejects a new rule that is only a patch", () => {
    const error = problemsOf(() =>
      applyCustomRules(BUILTIN_RULES, [{ id: "acme.partial", title: "Half a rule" }], "inline"),
    );
    for (const field of ["match", "category", "severity", "remediation", "alert"]) {
      expect(error.message).toMatch(new RegExp(`rule acme\\.partial: ${field}: `));
    }
  });
});

describe("QUIRKWATCH_RULES", () => {
  it("points loadRules at the custom rules file", () => {
    vi.stubEnv("QUIRKWATCH_RULES", fixture("lever-patch.json"));
    expect(byId(loadRules(rulesPath()), "lever.429").alert.threshold.count).toBe(50);
  });

  it("an invalid file named there fails the load", () => {
    vi.stubEnv("QUIRKWATCH_RULES", fixture("invalid.json"));
    expect(() => loadRules(rulesPath())).toThrow(RuleValidationError);
  });

  it("a missing file named there is an error, not a silent fallback to the built-in rules", () => {
    vi.stubEnv("QUIRKWATCH_RULES", fixture("no-such-rules.json"));
    expect(() => loadRules(rulesPath())).toThrow(/no-such-rules\.json/);
  });
});

describe("rule files written before must_act", () => {
  it("say what replaced audience and notify, and refuse rules that disagree on an incident", () => {
    const old = {
      id: "workday.403_tenant",
      provider: "workday",
      match: { status: [403] },
      category: "missing_permissions",
      severity: "error",
      audience: ["customer"],
      must_act: "us",
      title: "Workday tenant refused access",
      what_happened: "w",
      remediation: ["r"],
      retry: { retryable: false, backoff: "none" },
      source: { page: "quirkwatch", section: "Our own rules" },
      alert: {
        notify: true,
        threshold: { count: 1, window_seconds: 60 },
        repeat_seconds: 3600,
        resolve_after_quiet_seconds: 3600,
      },
    };
    let problems: string[] = [];
    try {
      applyCustomRules(BUILTIN_RULES, [old, { id: "lever.400", incident: "lever.401" }], "f.json");
    } catch (error) {
      if (!(error instanceof RuleValidationError)) throw error;
      problems = error.problems;
    }
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^rule workday\.403_tenant: audience: replaced by must_act/),
        expect.stringMatching(
          /^rule workday\.403_tenant: notify: removed: a rule with must_act nobody/,
        ),
        "rule lever.401: category: differs from lever.400, which shares the incident lever.401",
        "rule lever.401: must_act: differs from lever.400, which shares the incident lever.401",
      ]),
    );
  });
});
