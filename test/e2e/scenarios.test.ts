import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SCENARIOS } from "../../scripts/demo-scenarios.ts";
import type { Stack } from "../../server/stack.ts";
import { BUILTIN_RULES } from "../../shared/quirks/catalog.ts";
import { startTestStack } from "../support/in-process-stack.ts";
import { adminJson, postStackone } from "../support/local-stack.ts";

/** Every scenario of `npm run demo` through the local stack: exactly the problems open incidents. */

let stack: Stack;

beforeAll(async () => {
  stack = await startTestStack({});
  for (const scenario of SCENARIOS) {
    const payloads = Array.from({ length: scenario.repeat }, (_, n) => scenario.payload(n));
    const response = await postStackone(stack.url, payloads);
    expect(response.status, scenario.name).toBe(202);
  }
  await stack.settle();
});

afterAll(() => stack?.close());

const ruleById = new Map(BUILTIN_RULES.map((r) => [r.id, r]));
const incidentKey = (ruleId: string) => ruleById.get(ruleId)?.incident ?? ruleId;

type View = { id: string; rule_id: string; account_id: string; [key: string]: unknown };

async function incidents(): Promise<View[]> {
  return (await adminJson<{ incidents: View[] }>(stack, "/incidents?limit=1000")).incidents;
}

describe("the demo's scenarios", () => {
  it("open an incident for each problem, and none for what is no problem", async () => {
    const problems = SCENARIOS.filter((s) => ruleById.get(s.rule)?.must_act !== "nobody");
    const quiet = SCENARIOS.filter((s) => ruleById.get(s.rule)?.must_act === "nobody");
    // Both kinds are in the demo, or this test proves little.
    expect(quiet.map((s) => s.rule)).toEqual(
      expect.arrayContaining([
        "smartrecruiters.interview_status_filter",
        "stackone.fallback_2xx",
        "stackone.fallback_info",
        "stackone.account_deleted",
      ]),
    );
    // The accounts' own incidents (a provider incident the demo's one Lever account started is
    // pending beside them, and is no scenario of its own).
    const listed = (await incidents()).filter((i) => i.scope !== "provider");
    expect(new Set(listed.map((i) => incidentKey(i.rule_id)))).toEqual(
      new Set(problems.map((s) => incidentKey(s.rule))),
    );
    // The Bullhorn note on /candidates/undefined/notes joined the body-form incident.
    const bullhorn = listed.filter(
      (i) => incidentKey(i.rule_id) === "bullhorn.note_invalid_candidate_id",
    );
    expect(bullhorn.map((i) => i.count)).toEqual([2]);
    expect(listed.some((i) => i.account_id === "wayne_workday")).toBe(false);
  });

  it("shows the provider's own words in GET /incidents and GET /incidents/{id}", async () => {
    const hibob403 = (await incidents()).find((i) => i.rule_id === "hibob.403");
    expect(hibob403).toMatchObject({
      must_act: "customer",
      provider_messages: ["Missing permissions: People > Payroll"],
      last_error: {
        status: 403,
        method: "GET",
        path: "/unified/hris/employees/3332883884017713238/compensation",
        message: "Forbidden",
        provider_status: 403,
        provider_message: "Missing permissions: People > Payroll",
        request_id: expect.stringMatching(/^req_acme_hibob_/),
      },
      customer: { title: "Your Hibob connection is missing a permission" },
    });
    const one = await adminJson(stack, `/incidents/${hibob403?.id}`);
    expect(one).toEqual(hibob403);
  });
});
