/**
 * `npm start` as a user runs it, reached as someone else on the network would reach it: nothing
 * is open without the token, the development secrets are off the loopback, only this server's
 * names are answered, and subscriptions cannot aim at this machine unless the operator says so.
 */
import { execFile } from "node:child_process";
import { statSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN_FILE } from "../../server/admin-token.ts";
import { DEV_GENERIC_SECRET, DEV_STACKONE_SECRET } from "../../server/exposure.ts";
import { ENGINES } from "../../server/stack.ts";
import { sign } from "../../shared/standard-webhooks.ts";
import { leverRevoked } from "../support/factories.ts";
import { startReceiver } from "../support/http-receiver.ts";
import {
  postStackone,
  type RunningStack,
  SECRET,
  startLocalStack,
} from "../support/local-stack.ts";

type Refusal = { error: string; details: { path: string; message: string }[] };

const ADMIN_ROUTES = ["/incidents", "/subscriptions", "/mutes", "/outbox", "/_local/stats"];

const lever401 = (id: string) => leverRevoked(id, "acct-net");

/** An npm script with the given environment (and no ADMIN_TOKEN unless given). */
async function npmRun(script: string, args: string[], env: Record<string, string>) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => name !== "ADMIN_TOKEN"),
  );
  try {
    const { stdout, stderr } = await promisify(execFile)(
      "npm",
      ["run", "--silent", script, "--", ...args],
      { cwd: join(import.meta.dirname, "../.."), env: { ...clean, ...env } },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

describe("npm start without ADMIN_TOKEN", () => {
  let stack: RunningStack;
  beforeAll(async () => {
    stack = await startLocalStack({ ADMIN_TOKEN: "" });
  }, 60_000);
  afterAll(() => stack?.stop());

  it("makes a token, keeps it for its owner only, and prints the dashboard link with it", () => {
    const file = join(stack.dataDir, ADMIN_TOKEN_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(stack.adminToken).toMatch(/^[\w-]{40,}$/);
    expect(stack.output()).toContain(`${stack.url}/#token=${stack.adminToken}`);
    expect(stack.output()).toContain(file);
  });

  it("answers every admin route, stats too, only with that token", async () => {
    for (const path of ADMIN_ROUTES) {
      const open = await fetch(`${stack.url}${path}`);
      expect(open.status, path).toBe(401);
      expect(await open.json()).toMatchObject({ error: expect.any(String) });
      const wrong = await fetch(`${stack.url}${path}`, { headers: { authorization: "Bearer x" } });
      expect(wrong.status, path).toBe(401);
      expect((await fetch(`${stack.url}${path}`, { headers: stack.auth })).status, path).toBe(200);
    }
    // The page itself is public: it holds nothing.
    expect((await fetch(`${stack.url}/`)).status).toBe(200);
  });

  it("lets npm run demo and npm run smoke find the token in DATA_DIR", async () => {
    const env = { DATA_DIR: stack.dataDir, STACKONE_WEBHOOK_SECRET: SECRET };
    const demo = await npmRun("demo", [stack.url], env);
    expect(demo.stderr).toBe("");
    expect(demo.stdout).toMatch(/\d+ incident\(s\):/);
    const smoke = await npmRun("smoke", [stack.url], env);
    expect(smoke.stderr).toBe("");
    expect(smoke.stdout).toContain("Quirkwatch works end to end");
  }, 120_000);

  it("keeps the same token across a restart", async () => {
    await stack.stop();
    const again = await startLocalStack({ ADMIN_TOKEN: "" }, stack.dataDir);
    try {
      expect(again.adminToken).toBe(stack.adminToken);
      expect((await fetch(`${again.url}/incidents`, { headers: stack.auth })).status).toBe(200);
    } finally {
      await again.stop();
    }
  }, 60_000);
});

describe("npm start on a non-loopback HOST", () => {
  let stack: RunningStack;
  /** The stack listens on every interface; this test reaches it on loopback. */
  const local = () => stack.url.replace("0.0.0.0", "127.0.0.1");
  beforeAll(async () => {
    stack = await startLocalStack({
      HOST: "0.0.0.0",
      STACKONE_WEBHOOK_SECRET: DEV_STACKONE_SECRET,
      GENERIC_WEBHOOK_SECRET: "",
      ALLOWED_HOSTS: "quirkwatch.example.lan",
    });
  }, 60_000);
  afterAll(() => stack?.stop());

  it("never accepts the published development secrets, and says which routes are off", async () => {
    const forged = await postStackone(local(), lever401("dev-1"), DEV_STACKONE_SECRET);
    expect(forged.status).toBe(404);
    const body = (await forged.json()) as Refusal;
    expect(body.error).toMatch(/off/);
    expect(body.details[0]?.message).toMatch(/STACKONE_WEBHOOK_SECRET/);

    const event = JSON.stringify({ ...lever401("dev-2"), kind: "error" });
    const generic = await fetch(`${local()}/webhooks/generic`, {
      method: "POST",
      headers: { "content-type": "application/json", ...sign(DEV_GENERIC_SECRET, "g1", event) },
      body: event,
    });
    expect(generic.status).toBe(404);
    expect(((await generic.json()) as Refusal).details[0]?.message).toMatch(
      /GENERIC_WEBHOOK_SECRET/,
    );

    expect(stack.output()).toMatch(/Off\s+POST \/webhooks\/stackone: STACKONE_WEBHOOK_SECRET/);
    expect(stack.output()).toMatch(/Off\s+POST \/webhooks\/generic: GENERIC_WEBHOOK_SECRET/);
  });

  it("answers only for its own names: a rebound DNS name gets 421", async () => {
    const as = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const url = new URL(`${local()}/`);
        import("node:http").then(({ request }) =>
          request({ host: url.hostname, port: url.port, path: "/", headers: { host } }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          })
            .on("error", reject)
            .end(),
        );
      });
    expect(await as("attacker.example")).toBe(421);
    expect(await as(`quirkwatch.example.lan:${new URL(local()).port}`)).toBe(200);
    expect(await as("localhost")).toBe(200);
  });
});

for (const engine of ENGINES)
  describe(`subscriptions to this machine (${engine})`, () => {
    it("are refused unless ALLOW_PRIVATE_DESTINATIONS=1", async () => {
      const receiver = await startReceiver();
      const stack = await startLocalStack({
        QUIRKWATCH_ENGINE: engine,
        ALLOW_PRIVATE_DESTINATIONS: "",
      });
      try {
        for (const target of [`${receiver.base}/hook`, "https://10.0.0.8/hook"]) {
          const refused = await fetch(`${stack.url}/subscriptions`, {
            method: "POST",
            headers: { ...stack.auth, "content-type": "application/json" },
            body: JSON.stringify({ kind: "webhook", target }),
          });
          expect(refused.status, target).toBe(422);
        }
      } finally {
        await stack.stop();
        await receiver.close();
      }
    }, 60_000);
  });
