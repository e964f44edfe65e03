import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ORGS, SCENARIOS } from "../../scripts/demo-scenarios.ts";
import type { Stack } from "../../server/stack.ts";
import { BUILTIN_RULES } from "../../shared/quirks/catalog.ts";
import { startTestStack } from "../support/in-process-stack.ts";
import {
  adminJson,
  eventually,
  type RunningStack,
  startLocalStack,
} from "../support/local-stack.ts";
import { type StackoneServer, startStackoneServer } from "../support/stackone-server.ts";

/** StackOne's request logs in, incidents out: the poller in the local stack. */

type View = {
  id: string;
  rule_id: string;
  status: string;
  title: string;
  account_id: string;
  account_name?: string;
  resolution?: string;
  last_error?: Record<string, unknown>;
  provider_messages: string[];
};

async function incidents(stack: { url: string; adminToken: string }, query = ""): Promise<View[]> {
  return (await adminJson<{ incidents: View[] }>(stack, `/incidents?limit=1000${query}`)).incidents;
}

let server: StackoneServer;
beforeAll(async () => {
  server = await startStackoneServer();
});
afterAll(() => server?.close());

describe("the poller's own 401", () => {
  let stack: Stack;
  afterAll(() => stack?.close());

  it("opens an internal incident with the fix, which resolves itself once the key works", async () => {
    server.reset();
    // The key is refused on the first poll (at start), accepted from then on.
    server.fail("list", { status: 401, body: { statusCode: 401, message: "Invalid API key" } });
    stack = await startTestStack({
      stackonePoller: {
        apiKey: server.key,
        apiUrl: server.url,
        intervalMs: 3_600_000,
        overlapSeconds: 120,
      },
    });
    const opened = await eventually(async () => {
      await stack.settle();
      return (await incidents(stack, "&account_id=quirkwatch"))[0];
    });
    expect(opened).toMatchObject({
      rule_id: "stackone.request_logs_unreadable",
      title: "Quirkwatch cannot read StackOne request logs",
      status: "firing",
      provider_messages: ["Invalid API key"],
    });
    await stack.pollNow();
    await stack.settle();
    const [resolved] = await incidents(stack, "&account_id=quirkwatch");
    expect(resolved).toMatchObject({ id: opened.id, status: "resolved" });
  });
});

describe("npm start with STACKONE_API_KEY", () => {
  let running: RunningStack;
  const requests = SCENARIOS.filter((s) => s.log !== undefined);

  beforeAll(async () => {
    server.reset();
    for (const scenario of requests) {
      server.add(
        ...Array.from({ length: scenario.repeat }, (_, n) => scenario.log?.(n) ?? []).flat(),
      );
    }
    for (const [id, name] of Object.entries(ORGS)) server.account(id, { origin_owner_name: name });
    running = await startLocalStack({
      STACKONE_API_KEY: server.key,
      STACKONE_API_URL: server.url,
      STACKONE_POLL_SECONDS: "1",
    });
  });
  afterAll(() => running?.stop());

  it("turns failed and silently wrong requests into incidents in the provider's words", async () => {
    const problems = new Set(
      BUILTIN_RULES.filter(
        (r) => r.must_act !== "nobody" && requests.some((s) => s.rule === r.id),
      ).map((r) => r.incident ?? r.id),
    );
    const listed = await eventually(async () => {
      // The accounts' own incidents, not the pending provider incidents their failures start.
      const all = await incidents(running, "&scope=account");
      const keys = new Set(
        all.map((i) => BUILTIN_RULES.find((r) => r.id === i.rule_id)?.incident ?? i.rule_id),
      );
      return [...problems].every((p) => keys.has(p)) ? all : undefined;
    });
    expect(listed).toHaveLength(problems.size);
    const hibob = listed.find((i) => i.rule_id === "hibob.403");
    expect(hibob?.account_name).toBe("Acme GmbH");
    expect(hibob?.last_error).toMatchObject({
      status: 403,
      provider_message: "Missing permissions: People > Payroll",
    });
    const note = listed.find((i) => i.rule_id.startsWith("bullhorn.note_missing_candidate"));
    expect(note?.status).toBe("firing");
    const said = "hibob said: Missing permissions: People > Payroll";
    expect(await running.printed(said)).toContain(said);
    expect(running.output()).toMatch(
      /Request logs\s+polled from http:\/\/127\.0\.0\.1:\d+ every 1 s/,
    );
    // The key is a secret: never printed, and sent only to StackOne.
    expect(running.output()).not.toContain(server.key);
    expect(server.calls.every((c) => c.authorized)).toBe(true);
  });
});
