import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENGINES } from "../../server/stack.ts";
import { leverRevoked } from "../support/factories.ts";
import { type Receiver, startReceiver, status } from "../support/http-receiver.ts";
import { callApi, eventually, postStackone, startLocalStack } from "../support/local-stack.ts";
import { leakedSecrets } from "../support/log-secrets.ts";
import { type StackoneServer, startStackoneServer } from "../support/stackone-server.ts";

const ADMIN_TOKEN = "e2e-leak-admin-token-5f1c";
const GENERIC_SECRET = "whsec_bGVhay1jaGVjay1nZW5lcmljLXNlY3JldA==";
const SLACK_PATH = "/services/T0LEAK/B0LEAK/leakcheckslacktoken";
const HOOK_PATH = "/hooks/leakcheck-customer-path";

let stackone: StackoneServer;
let receiver: Receiver;
beforeAll(async () => {
  // Every destination fails and StackOne refuses the key: the stack logs all it can.
  stackone = await startStackoneServer("leak-check-stackone-key");
  receiver = await startReceiver();
});
afterAll(async () => {
  await stackone.close();
  await receiver.close();
});

describe("the log-secret check itself", () => {
  it("finds a secret by name, and any whsec_ secret", () => {
    const secrets = new Map([["s3cr3t-token", "ADMIN_TOKEN"]]);
    expect(leakedSecrets("line 1\nauth s3cr3t-token\n", secrets)).toEqual(["ADMIN_TOKEN"]);
    expect(leakedSecrets("secret whsec_abcdefghijkl", new Map())).toEqual(["a whsec_ secret"]);
    expect(leakedSecrets("nothing here", secrets)).toEqual([]);
    // The banner's dashboard link shows the token to the operator, on purpose; nothing else may.
    const banner = "  Dashboard     http://127.0.0.1:3000/#token=s3cr3t-token   (admin token kept)";
    expect(leakedSecrets(banner, secrets)).toEqual([]);
    expect(leakedSecrets(`${banner}\nGET /#token=s3cr3t-token`, secrets)).toEqual(["ADMIN_TOKEN"]);
  });
});

for (const engine of ENGINES)
  describe(`npm start (${engine}) logs no secret`, () => {
    it("while its deliveries fail and StackOne refuses its key", async () => {
      receiver.reset();
      receiver.script(SLACK_PATH, status(404, "no_service"), status(500), status(500));
      receiver.script(HOOK_PATH, status(500), status(500), status(401, "bad"));
      const stack = await startLocalStack({
        QUIRKWATCH_ENGINE: engine,
        ADMIN_TOKEN,
        GENERIC_WEBHOOK_SECRET: GENERIC_SECRET,
        STACKONE_API_KEY: "leak-check-wrong-key",
        STACKONE_API_URL: stackone.url,
        SLACK_WEBHOOK_URL: `${receiver.base}${SLACK_PATH}`,
      });
      try {
        const created = await callApi(stack, "POST", "/subscriptions", {
          kind: "webhook",
          target: `${receiver.base}${HOOK_PATH}`,
        });
        expect(created.status).toBe(201);
        // Wrong token, wrong signature: rejections are logged too.
        await fetch(`${stack.url}/incidents`, { headers: { authorization: "Bearer nope" } });
        await postStackone(stack.url, { account_id: "a", provider: "lever" }, "wrong-secret");
        expect((await postStackone(stack.url, leverRevoked("leak-1", "acct-leak"))).status).toBe(
          202,
        );
        await eventually(async () =>
          receiver.received.some((r) => r.path === HOOK_PATH) ? true : undefined,
        );
        await stack.printed("poller:", 5_000);
      } finally {
        // stop() fails the test if any line printed holds a secret.
        await stack.stop();
      }
    });
  });
