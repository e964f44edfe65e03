import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  GiveUp,
  RetriesExhausted,
  RetryLater,
  type RetryPolicy,
  retry,
} from "../../shared/retry.ts";

/** A clock that only moves when `retry` sleeps or a try takes time: no real waiting. */
function virtualTime() {
  let at = 1_000_000;
  const waits: number[] = [];
  return {
    now: () => at,
    sleep: async (ms: number) => {
      waits.push(ms);
      at += ms;
    },
    pass: (ms: number) => {
      at += ms;
    },
    waits,
  };
}

const policies = fc.record({
  attempts: fc.integer({ min: 1, max: 12 }),
  baseMs: fc.integer({ min: 1, max: 5_000 }),
  maxMs: fc.option(fc.integer({ min: 1, max: 60_000 }), { nil: undefined }),
  deadlineMs: fc.option(fc.integer({ min: 0, max: 600_000 }), { nil: undefined }),
});

/** What each try does: fail (retryable), fail asking for a wait, or succeed; and how long it takes. */
const tries = fc.array(
  fc.record({
    outcome: fc.oneof(
      fc.constant({ kind: "fail" as const }),
      fc.integer({ min: 0, max: 120_000 }).map((ms) => ({ kind: "later" as const, ms })),
      fc.constant({ kind: "ok" as const }),
    ),
    takesMs: fc.integer({ min: 0, max: 10_000 }),
  }),
  { minLength: 1, maxLength: 15 },
);

type Try = {
  outcome: { kind: "fail" } | { kind: "later"; ms: number } | { kind: "ok" };
  takesMs: number;
};

async function run(policy: RetryPolicy, script: Try[]) {
  const time = virtualTime();
  const started: number[] = [];
  const result = await retry(
    async (attempt) => {
      started.push(time.now());
      const step = script[Math.min(attempt, script.length) - 1] as Try;
      time.pass(step.takesMs);
      if (step.outcome.kind === "ok") return attempt;
      if (step.outcome.kind === "later") throw new RetryLater("busy", step.outcome.ms);
      throw new Error(`failure ${attempt}`);
    },
    policy,
    { sleep: time.sleep, now: time.now },
  ).then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  return { result, started, waits: time.waits, start: 1_000_000 };
}

describe("retry", () => {
  it("never tries more often than the policy allows, and stops at the first success", async () => {
    await fc.assert(
      fc.asyncProperty(policies, tries, async (policy, script) => {
        const { result, started } = await run(policy, script);
        expect(started.length).toBeGreaterThanOrEqual(1);
        expect(started.length).toBeLessThanOrEqual(policy.attempts);
        const firstOk = script.findIndex((t) => t.outcome.kind === "ok");
        if ("value" in result) expect(result.value).toBe(firstOk + 1);
        else {
          expect(result.error).toBeInstanceOf(RetriesExhausted);
          expect((result.error as RetriesExhausted).attempts).toBe(started.length);
          // Every try it made failed.
          if (firstOk >= 0) expect(started.length).toBeLessThanOrEqual(firstOk);
        }
      }),
    );
  });

  it("starts no try after the deadline, the first aside", async () => {
    await fc.assert(
      fc.asyncProperty(
        policies.filter((p) => p.deadlineMs !== undefined),
        tries,
        async (policy, script) => {
          const { started, start } = await run(policy, script);
          for (const at of started.slice(1)) {
            expect(at).toBeLessThan(start + (policy.deadlineMs as number));
          }
        },
      ),
    );
  });

  it("waits within the policy: backoff with jitter, or exactly what the failure asked for", async () => {
    await fc.assert(
      fc.asyncProperty(policies, tries, async (policy, script) => {
        const { waits } = await run(policy, script);
        waits.forEach((waited, i) => {
          const asked = (script[Math.min(i + 1, script.length) - 1] as Try).outcome;
          if (asked.kind === "later") {
            expect(waited).toBe(asked.ms);
            return;
          }
          const step = Math.min(policy.maxMs ?? Number.POSITIVE_INFINITY, policy.baseMs * 2 ** i);
          expect(waited).toBeGreaterThanOrEqual(Math.floor(step / 2));
          expect(waited).toBeLessThanOrEqual(Math.ceil(step));
        });
      }),
    );
  });

  it("stops at once on a failure that is not worth retrying, and throws it as it is", async () => {
    await fc.assert(
      fc.asyncProperty(
        policies,
        fc.integer({ min: 1, max: 12 }),
        fc.boolean(),
        async (policy, failsAt, ownPredicate) => {
          const time = virtualTime();
          let calls = 0;
          const permanent = ownPredicate ? new TypeError("bad input") : new GiveUp("gone");
          const error = await retry(
            async (attempt) => {
              calls += 1;
              throw attempt >= failsAt ? permanent : new Error("passing");
            },
            { ...policy, deadlineMs: undefined },
            {
              sleep: time.sleep,
              now: time.now,
              ...(ownPredicate ? { retryable: (e) => !(e instanceof TypeError) } : {}),
            },
          ).catch((e: unknown) => e);
          if (failsAt <= policy.attempts) {
            expect(error).toBe(permanent);
            expect(calls).toBe(failsAt);
          } else {
            expect(error).toBeInstanceOf(RetriesExhausted);
            expect(calls).toBe(policy.attempts);
          }
        },
      ),
    );
  });

  it("says how many tries were made and keeps the last failure", async () => {
    const last = new Error("HTTP 503");
    const error = await retry(
      async () => {
        throw last;
      },
      { attempts: 3, baseMs: 1 },
      { sleep: async () => {} },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExhausted);
    expect((error as RetriesExhausted).cause).toBe(last);
    expect((error as Error).message).toBe("HTTP 503 (after 3 attempts)");
  });
});
