import { StackOne } from "@stackone/stackone-client-ts";
import { ForbiddenResponse } from "@stackone/stackone-client-ts/sdk/models/errors/index.js";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { forwardingHttpClient } from "../../examples/forward-stackone-errors.ts";
import type { Stack } from "../../server/stack.ts";
import { generateSecret } from "../../shared/standard-webhooks.ts";
import { type Receiver, startReceiver } from "../support/http-receiver.ts";
import { startTestStack } from "../support/in-process-stack.ts";
import { adminJson } from "../support/local-stack.ts";
import { type StackoneServer, startStackoneServer } from "../support/stackone-server.ts";

/**
 * examples/forward-stackone-errors.ts: the StackOne SDK, given the example's HTTP client, calls
 * a StackOne-shaped server; what fails (and what a silent-problem rule looks at) reaches the
 * local stack, signed, and becomes an incident.
 */

const SECRET = generateSecret();
const PROVIDERS: Record<string, string> = { acme_hibob: "hibob", hooli_bullhorn: "bullhorn" };

let server: StackoneServer;
let stack: Stack;
let receiver: Receiver;

function sdk(url: string) {
  return new StackOne({
    serverURL: server.url,
    security: { username: server.key, password: "" },
    retryConfig: { strategy: "none" },
    httpClient: forwardingHttpClient({
      url,
      secret: SECRET,
      providerOf: (accountId) => PROVIDERS[accountId],
      onError: (error) => {
        throw error;
      },
    }),
  });
}

beforeAll(async () => {
  [server, receiver] = await Promise.all([startStackoneServer(), startReceiver()]);
  stack = await startTestStack({ genericSecret: SECRET });
  server.answer("GET /unified/hris/employees", {
    status: 403,
    body: {
      statusCode: 403,
      message: "Forbidden",
      timestamp: "2026-11-24T10:00:00.000Z",
      provider_errors: [
        {
          status: 403,
          url: "https://api.hibob.com/v1/people/search",
          raw: { message: "Missing permissions: People > Payroll" },
          headers: { "x-request-id": "hibob-7f2" },
        },
      ],
    },
    headers: { "x-request-id": "req_hibob_403" },
  });
  server.answer("POST /unified/ats/candidates/undefined/notes", {
    status: 201,
    body: {
      statusCode: 201,
      message: "Record created successfully",
      timestamp: "2026-11-24T10:00:00.000Z",
      data: { id: "98124" },
    },
  });
});

afterAll(async () => {
  await stack?.close();
  await Promise.all([server?.close(), receiver?.close()]);
});

const createNote = (client: StackOne) =>
  client.ats.createCandidateNote({
    id: "undefined",
    xAccountId: "hooli_bullhorn",
    atsCreateNotesRequestDto: { content: [{ body: "Called the candidate" }], authorId: "12" },
  });

describe("forwarding errors from the StackOne SDK", () => {
  it("leaves the SDK's answers as they were, and opens the incidents they show", async () => {
    const client = sdk(`${stack.url}/webhooks/generic`);
    await expect(client.hris.listEmployees({ xAccountId: "acme_hibob" })).rejects.toBeInstanceOf(
      ForbiddenResponse,
    );
    await expect(createNote(client)).resolves.toMatchObject({ statusCode: 201 });
    await stack.settle();

    const { incidents } = (await adminJson(stack, "/incidents")) as {
      incidents: Record<string, unknown>[];
    };
    const byRule = Object.fromEntries(incidents.map((i) => [i.rule_id, i]));
    expect(byRule["hibob.403"]).toMatchObject({
      account_id: "acme_hibob",
      provider: "hibob",
      request_ids: ["req_hibob_403"],
      last_error: {
        status: 403,
        method: "GET",
        path: "/unified/hris/employees",
        message: "Forbidden",
        provider_status: 403,
        provider_message: "Missing permissions: People > Payroll",
      },
    });
    // A note on candidate "undefined": Bullhorn said 201, the rule sees the path.
    expect(byRule["bullhorn.note_invalid_candidate_path_id"]).toMatchObject({
      account_id: "hooli_bullhorn",
      category: "silent_data_issue",
    });
    expect(incidents).toHaveLength(2);
  });

  it("signs per Standard Webhooks, with the request body the Bullhorn rules read", async () => {
    const client = sdk(`${receiver.base}/webhooks/generic`);
    await createNote(client);
    const [request] = receiver.received;
    if (!request) throw new Error("nothing was forwarded");
    const headers = Object.fromEntries(
      Object.entries(request.headers).map(([k, v]) => [k, String(v)]),
    );
    const event = new Webhook(SECRET).verify(request.body, headers) as Record<string, unknown>;
    expect(event).toMatchObject({
      kind: "info",
      account: { id: "hooli_bullhorn" },
      provider: "bullhorn",
      http: { status: 201, method: "POST", path: "/unified/ats/candidates/undefined/notes" },
      request_body: { content: [{ body: "Called the candidate" }], author_id: "12" },
    });
  });

  it("forwards nothing for a success no rule looks at, or an account it cannot place", async () => {
    receiver.reset();
    server.answer("GET /unified/ats/jobs", { status: 200, body: { data: [] } });
    const client = sdk(`${receiver.base}/webhooks/generic`);
    await client.ats.listJobs({ xAccountId: "hooli_bullhorn" });
    await expect(client.hris.listEmployees({ xAccountId: "unknown_account" })).rejects.toThrow();
    expect(receiver.received).toEqual([]);
  });
});
