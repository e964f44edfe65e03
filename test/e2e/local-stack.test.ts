import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENGINES } from "../../server/stack.ts";
import { sign } from "../../shared/standard-webhooks.ts";
import {
  eventually,
  getJson,
  postStackone,
  type RunningStack,
  startLocalStack,
} from "../support/local-stack.ts";

const PREVIOUS_SECRET = "e2e-previous-secret";
const GENERIC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const ADMIN_TOKEN = "e2e-admin-token";
const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

type IncidentView = {
  id: string;
  status: string;
  count: number;
  rule_id: string;
  category: string;
};

function failedRequest(id: string, account: string, status: number, provider = "lever") {
  return {
    id,
    event: "request.failed",
    event_date: new Date().toISOString(),
    account_id: account,
    provider,
    origin_owner_name: "Acme Corp",
    data: {
      request_id: `req_${id}`,
      status,
      request: { method: "GET", url: "https://api.stackone.com/unified/ats/candidates" },
      message: `Provider answered ${status}`,
    },
  };
}

async function incidents(stack: RunningStack, query: string): Promise<IncidentView[]> {
  const body = await getJson<{ incidents: IncidentView[] }>(`${stack.url}/incidents?${query}`, {
    headers: auth,
  });
  return body.incidents;
}

// Both engines run the same pipeline: SQLite (the default) and the deployed code on dynalite.
for (const engine of ENGINES)
  describe(`npm start (${engine})`, () => {
    let stack: RunningStack;
    beforeAll(async () => {
      stack = await startLocalStack({
        QUIRKWATCH_ENGINE: engine,
        STACKONE_WEBHOOK_SECRET_PREVIOUS: PREVIOUS_SECRET,
        GENERIC_WEBHOOK_SECRET: GENERIC_SECRET,
        ADMIN_TOKEN,
      });
    });
    afterAll(() => stack.stop());

    it("prints the webhook URL and where the secret comes from", () => {
      expect(stack.output()).toContain("/webhooks/stackone");
      expect(stack.output()).toContain("STACKONE_WEBHOOK_SECRET from the environment");
      expect(stack.output()).not.toContain("e2e-secret");
    });

    it("accepts the current and the previous secret, and nothing else", async () => {
      const good = await postStackone(stack.url, failedRequest("sig-1", "acct-sig", 401));
      expect(good.status).toBe(202);
      const rotated = await postStackone(
        stack.url,
        failedRequest("sig-2", "acct-sig", 401),
        PREVIOUS_SECRET,
      );
      expect(rotated.status).toBe(202);
      const wrong = await postStackone(
        stack.url,
        failedRequest("sig-3", "acct-bad", 401),
        "not-the-secret",
      );
      expect(wrong.status).toBe(401);
      expect(await wrong.json()).toMatchObject({ error: expect.stringMatching(/signature/) });
      const missing = await fetch(`${stack.url}/webhooks/stackone`, {
        method: "POST",
        body: JSON.stringify(failedRequest("sig-4", "acct-bad", 401)),
      });
      expect(missing.status).toBe(401);
      // One console line per rejected webhook: source, status, reason; no secret, no body.
      const wrongLine = "webhook rejected: stackone 401 the signature does not match";
      const missingLine = "webhook rejected: stackone 401 missing x-stackone-signature";
      expect(await stack.printed(wrongLine)).toContain(wrongLine);
      expect(await stack.printed(missingLine)).toContain(missingLine);
      expect(stack.output()).not.toContain("not-the-secret");
      expect(stack.output()).not.toContain("sig-3");
      const counted = await eventually(async () => {
        const [incident] = await incidents(stack, "account_id=acct-sig");
        return incident?.count === 2 ? incident : undefined;
      });
      expect(counted).toMatchObject({
        rule_id: "lever.401",
        category: "reauth_required",
        status: "firing",
      });
      expect(await incidents(stack, "account_id=acct-bad")).toEqual([]);
    });

    it("rejects a Standard Webhooks replay outside the tolerance", async () => {
      const event = {
        id: "generic-1",
        source: "generic",
        kind: "error",
        occurred_at: new Date().toISOString(),
        account: { id: "acct-generic" },
        provider: "lever",
        http: { status: 503 },
      };
      const body = JSON.stringify(event);
      const post = (headers: Record<string, string>) =>
        fetch(`${stack.url}/webhooks/generic`, { method: "POST", headers, body });
      const fresh = await post(sign(GENERIC_SECRET, "msg_1", body));
      expect(fresh.status).toBe(202);
      const replay = await post(
        sign(GENERIC_SECRET, "msg_1", body, new Date(Date.now() - 6 * 60_000)),
      );
      expect(replay.status).toBe(401);
      expect(await replay.json()).toMatchObject({ error: expect.stringMatching(/tolerance/) });
    });

    it("answers bad bodies with a clear 4xx that names the problem", async () => {
      const raw = "{not json";
      const { signStackone } = await import("../../shared/sources/stackone/signature.ts");
      const bad = await fetch(`${stack.url}/webhooks/stackone`, {
        method: "POST",
        headers: { "x-stackone-signature": signStackone("e2e-secret", raw) },
        body: raw,
      });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ error: expect.stringMatching(/JSON/i) });
      const wrongSchema = await postStackone(stack.url, {
        event: "request.failed",
        data: { status: 401 },
      });
      expect(wrongSchema.status).toBe(422);
      const details = ((await wrongSchema.json()) as { details: { path: string }[] }).details.map(
        (d) => d.path,
      );
      expect(details).toEqual(expect.arrayContaining(["account_id", "provider"]));
      const huge = await postStackone(stack.url, {
        ...failedRequest("big", "acct-big", 500),
        pad: "x".repeat(300_000),
      });
      expect(huge.status).toBe(413);
      const tooMany = await postStackone(
        stack.url,
        Array.from({ length: 101 }, (_, i) => failedRequest(`many-${i}`, "acct-many", 500)),
      );
      expect(tooMany.status).toBe(413);
    });

    it("counts the same event delivered twice once", async () => {
      const event = failedRequest("dup-1", "acct-dup", 403);
      expect((await postStackone(stack.url, event)).status).toBe(202);
      expect((await postStackone(stack.url, [event, event])).status).toBe(202);
      const incident = await eventually(
        async () => (await incidents(stack, "account_id=acct-dup"))[0],
      );
      await new Promise((r) => setTimeout(r, 300));
      const [after] = await incidents(stack, "account_id=acct-dup");
      expect(incident.count).toBe(1);
      expect(after?.count).toBe(1);
    });

    it("resolves the account's re-auth incident on a recovery event", async () => {
      await postStackone(stack.url, failedRequest("rec-1", "acct-rec", 401));
      await eventually(
        async () => (await incidents(stack, "account_id=acct-rec&status=firing"))[0],
      );
      const recovered = await postStackone(stack.url, {
        event: "account.updated",
        event_date: new Date().toISOString(),
        account_id: "acct-rec",
        provider: "lever",
        data: { id: "acct-rec", status: "active" },
      });
      expect(recovered.status).toBe(202);
      const resolved = await eventually(
        async () => (await incidents(stack, "account_id=acct-rec&status=resolved"))[0],
      );
      expect(resolved.count).toBe(1);
      expect(await stack.printed("RESOLVED")).toContain("RESOLVED");
    });

    it("requires the admin token for incidents", async () => {
      expect((await fetch(`${stack.url}/incidents`)).status).toBe(401);
      const wrong = await fetch(`${stack.url}/incidents`, {
        headers: { authorization: "Bearer nope" },
      });
      expect(wrong.status).toBe(401);
      const bad = await fetch(`${stack.url}/incidents?limit=5000`, { headers: auth });
      expect(bad.status).toBe(422);
    });
  });

for (const engine of ENGINES)
  describe(`npm start (${engine}), stopped and started again`, () => {
    it("finishes accepted events on SIGTERM and keeps incidents across a restart", async () => {
      const first = await startLocalStack({ QUIRKWATCH_ENGINE: engine });
      const batch = Array.from({ length: 100 }, (_, i) =>
        failedRequest(`drain-${i}`, "acct-drain", 500),
      );
      for (let i = 0; i < 5; i++) {
        const response = await postStackone(
          first.url,
          batch.map((e) => ({ ...e, id: `${e.id}-${i}` })),
        );
        expect(response.status).toBe(202);
      }
      await first.stop("SIGTERM");
      expect(first.output()).toContain("Nothing accepted was lost");
      const second = await startLocalStack(
        { QUIRKWATCH_ENGINE: engine, ADMIN_TOKEN },
        first.dataDir,
      );
      try {
        const [incident] = await incidents(second, "account_id=acct-drain");
        expect(incident?.count).toBe(500);
      } finally {
        await second.stop();
      }
    });
  });
