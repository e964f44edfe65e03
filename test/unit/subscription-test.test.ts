import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { adminApi, apiDeps } from "../support/api.ts";
import { type Receiver, startReceiver, status } from "../support/http-receiver.ts";

// `POST /subscriptions/{id}/test` against real receivers on 127.0.0.1 (allowed locally).

let receiver: Receiver;
let api: ReturnType<typeof adminApi>;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.close();
});
beforeEach(() => {
  receiver.reset();
  const deps = apiDeps();
  api = adminApi({ ...deps, subscriptions: { ...deps.subscriptions, allowLocalUrls: true } });
});

const call = (route: string, id?: string, body?: unknown) =>
  api(route, { ...(id ? { params: { id } } : {}), body });

const subscribe = async (kind: string, target: string) =>
  (await call("POST /subscriptions", undefined, { kind, target })).body;
const test = (id: string) => call("POST /subscriptions/{id}/test", id);

describe("POST /subscriptions/{id}/test", () => {
  it("posts a sample to that one Slack channel and says it was accepted", async () => {
    const one = await subscribe("slack", `${receiver.base}/services/one`);
    await subscribe("slack", `${receiver.base}/services/two`);
    const answer = await test(one.id);
    expect(answer).toMatchObject({
      status: 200,
      body: { id: one.id, kind: "slack", delivered: true, outcome: "delivered" },
    });
    expect(receiver.received.map((r) => r.path)).toEqual(["/services/one"]);
    expect(receiver.bodies("/services/one")[0].text).toMatch(/Test notice from Quirkwatch/);
  });

  it("answers with what Slack answered when it refuses, and does not mark it broken", async () => {
    const slack = await subscribe("slack", `${receiver.base}/services/gone`);
    receiver.script("/services/gone", status(404, "no_service"));
    const answer = await test(slack.id);
    expect(answer.body).toMatchObject({ delivered: false, outcome: "broken" });
    expect(answer.body.detail).toMatch(/404.*no_service/);
    const [listed] = (await call("GET /subscriptions")).body.subscriptions;
    expect(listed.status).toBe("active");
  });

  it("repeats Slack's documented error words and nothing else a host answered", async () => {
    const slack = await subscribe("slack", `${receiver.base}/services/internal`);
    // A host that is not Slack answers with a page of its own: none of it is repeated.
    receiver.script("/services/internal", status(404, "admin-console secret=hunter2"));
    const answer = await test(slack.id);
    expect(answer.body).toMatchObject({ delivered: false, outcome: "broken" });
    expect(answer.body.detail).toMatch(/HTTP 404/);
    expect(JSON.stringify(answer.body)).not.toMatch(/admin-console|hunter2/);
    const [listed] = (await call("GET /subscriptions")).body.subscriptions;
    expect(JSON.stringify(listed)).not.toMatch(/admin-console|hunter2/);
  });

  it("signs the sample for a webhook with its own secret, and reports a failing endpoint", async () => {
    const hook = await subscribe("webhook", `${receiver.base}/hook`);
    const answer = await test(hook.id);
    expect(answer.body).toMatchObject({ delivered: true, outcome: "delivered" });
    const [request] = receiver.received;
    const headers = Object.fromEntries(
      Object.entries(request?.headers ?? {}).map(([k, v]) => [k, String(v)]),
    );
    expect(new Webhook(hook.secret).verify(request?.body ?? "", headers)).toMatchObject({
      kind: "firing",
      incident: { title: "Test notice from Quirkwatch" },
    });
    receiver.script("/hook", status(500));
    const failed = await test(hook.id);
    expect(failed.body).toMatchObject({ delivered: false, outcome: "failed" });
    expect(failed.body.detail).toMatch(/HTTP 500/);
  });

  it("says plainly that email is not sent, and offers no test, until SMTP or SES is set", async () => {
    const email = await subscribe("email", "oncall@example.com");
    expect(email.testable).toBe(false);
    expect((await subscribe("slack", `${receiver.base}/services/one`)).testable).toBe(true);
    const answer = await test(email.id);
    expect(answer.status).toBe(422);
    expect(answer.body.details[0].path).toBe("kind");
    expect(answer.body.details[0].message).toMatch(/SMTP_URL .* EMAIL_FROM/);
  });

  it("answers 404 for an unknown subscription", async () => {
    expect((await test("sub_nope")).status).toBe(404);
    expect((await test("../etc")).status).toBe(404);
  });
});
