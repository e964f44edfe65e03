/**
 * `npm run smoke -- <api url>`, the check docs/deploying.md gives after a deploy, against the
 * local stack (`npm start`), as a user runs it.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  callApi,
  getJson,
  type RunningStack,
  SECRET,
  startLocalStack,
} from "../support/local-stack.ts";

const ADMIN_TOKEN = "e2e-smoke-admin-token";
const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
const SMOKE_ACCOUNT = "quirkwatch-smoke-test";

type Result = { code: number; stdout: string; stderr: string };

/** `npm run smoke -- <args>` with only the given secrets in its environment. */
async function smoke(args: string[], env: Record<string, string>): Promise<Result> {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !["ADMIN_TOKEN", "STACKONE_WEBHOOK_SECRET"].includes(name),
    ),
  );
  try {
    const { stdout, stderr } = await promisify(execFile)(
      "npm",
      ["run", "--silent", "smoke", "--", ...args],
      { cwd: join(import.meta.dirname, "../.."), env: { ...clean, ...env } },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

describe("npm run smoke", () => {
  let stack: RunningStack;
  beforeAll(async () => {
    stack = await startLocalStack({ ADMIN_TOKEN });
    // An email subscription to every notice, to see that the test webhook alerts nobody.
    await callApi(stack, "POST", "/subscriptions", {
      kind: "email",
      target: "oncall@example.com",
    });
  });
  afterAll(() => stack.stop());

  it("posts a signed test webhook, finds its incident, and alerts nobody", async () => {
    const result = await smoke([stack.url], {
      STACKONE_WEBHOOK_SECRET: SECRET,
      ADMIN_TOKEN,
    });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Quirkwatch works end to end");

    const { incidents } = await getJson<{ incidents: Record<string, unknown>[] }>(
      `${stack.url}/incidents?account_id=${SMOKE_ACCOUNT}`,
      { headers: auth },
    );
    expect(incidents).toEqual([
      expect.objectContaining({ account_id: SMOKE_ACCOUNT, status: "pending", count: 1 }),
    ]);
    // The stack prints every notice it sends, and keeps every email in its outbox.
    expect(stack.output()).not.toContain(SMOKE_ACCOUNT);
    const { emails } = await getJson<{ emails: unknown[] }>(`${stack.url}/outbox`, {
      headers: auth,
    });
    expect(emails).toEqual([]);
  });

  it("posts the webhook to the webhook URL when given one beside the API's", async () => {
    const env = { STACKONE_WEBHOOK_SECRET: SECRET, ADMIN_TOKEN };
    const both = await smoke([stack.url, `${stack.url}/webhooks/stackone`], env);
    expect(both.code).toBe(0);
    expect(both.stdout).toContain(
      `Posting a signed test webhook to ${stack.url}/webhooks/stackone`,
    );
    // Nothing listens there: the webhook goes to the second URL, not the API's.
    const nowhere = "http://127.0.0.1:9";
    const failed = await smoke([stack.url, nowhere], env);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain("Nothing answers at http://127.0.0.1:9");
  });

  it("takes the secrets from SST's shell, which links them", async () => {
    const result = await smoke([`${stack.url}/webhooks/stackone`], {
      SST_RESOURCE_StackoneWebhookSecret: JSON.stringify({ value: SECRET }),
      SST_RESOURCE_AdminToken: JSON.stringify({ value: ADMIN_TOKEN }),
    });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
  });

  it("says the StackOne secret is wrong, without printing it", async () => {
    const result = await smoke([stack.url], {
      STACKONE_WEBHOOK_SECRET: "not-the-secret",
      ADMIN_TOKEN,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("StackoneWebhookSecret");
    expect(result.stdout + result.stderr).not.toContain("not-the-secret");
  });

  it("says the admin token is wrong, without printing it", async () => {
    const result = await smoke([stack.url], {
      STACKONE_WEBHOOK_SECRET: SECRET,
      ADMIN_TOKEN: "not-the-token",
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("AdminToken");
    expect(result.stdout + result.stderr).not.toContain("not-the-token");
  });

  it("explains what it needs when it has no secret for a stack elsewhere", async () => {
    const result = await smoke(["https://quirkwatch.example.invalid"], {});
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("npx sst shell");
  });

  it("works against a local stack started with the defaults, with nothing set", async () => {
    const defaults = await startLocalStack({ STACKONE_WEBHOOK_SECRET: "" });
    try {
      // The stack's data folder, as `.data` is for both commands by default: the token is there.
      const result = await smoke([defaults.url], { DATA_DIR: defaults.dataDir });
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(result.stdout).toContain("Quirkwatch works end to end");
    } finally {
      await defaults.stop();
    }
  });
});
