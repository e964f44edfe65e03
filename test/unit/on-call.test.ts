import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { MemoryBus } from "../../server/dynamodb/memory-bus.ts";
import { processSqsBatch } from "../../shared/adapters/aws/sqs-batch.ts";
import { createClassifier } from "../../shared/classify/classifier.ts";
import type { IntegrationEventInput } from "../../shared/events/event.ts";
import { sweep } from "../../shared/incidents/sweep.ts";
import { BUILTIN_RULES } from "../../shared/quirks/catalog.ts";
import { adminApi, apiDeps, type Json } from "../support/api.ts";
import { leverError, leverRecovered } from "../support/factories.ts";
import { sqsRecord } from "../support/sqs-record.ts";

// Acknowledge, mute and resolve through the admin API, with the processor and the sweeper on
// the same store and one clock, watching what reaches the alerts topic.

const classifier = createClassifier(BUILTIN_RULES);
const TOKEN = "admin-token";
let seq = 0;
/** The world's clock: events happen when they are processed. */
let clock = Date.parse("2026-11-24T10:00:00Z");

/** Lever answers 401 for `account`: `lever.401` fires on the first event, reminds every 4 h. */
function event(account: string, kind: "error" | "recovery" = "error"): IntegrationEventInput {
  seq += 1;
  const at = {
    occurred_at: new Date(clock).toISOString(),
    account: { id: account, name: `Customer ${account}` },
    request_id: `req_${seq}`,
  };
  if (kind === "recovery") return leverRecovered(`e${seq}`, at);
  return leverError(`e${seq}`, 401, {
    ...at,
    http: { status: 401, method: "GET", path: "/ats/candidates" },
    error: { message: "Unauthorized" },
  });
}

/** One store, one clock, one alerts topic: the API, the processor and the sweeper. */
async function world() {
  clock = Date.parse("2026-11-24T10:00:00Z");
  const now = () => new Date(clock);
  const deps = apiDeps({ adminToken: TOKEN, clock: { now } });
  const api = adminApi(deps);
  const bus: MemoryBus = deps.bus;
  const w = {
    bus,
    store: deps.store,
    /** Moves the clock to `iso`. */
    at(iso: string) {
      clock = Date.parse(iso);
      return w;
    },
    async events(...events: IntegrationEventInput[]) {
      const result = await processSqsBatch(
        events.map((e) => sqsRecord(e)),
        { ...deps, classifier },
      );
      expect(result.batchItemFailures).toEqual([]);
    },
    sweep: () => sweep(deps),
    call: (route: string, params: Record<string, string> = {}, body?: unknown) =>
      api(route, { params, body }),
    async incident(account: string) {
      const [found] = await deps.store.listIncidents({ account_id: account, limit: 10 });
      if (!found) throw new Error(`no incident for ${account}`);
      return found;
    },
    kinds: () => bus.published.map((n) => `${n.incident.account.id}:${n.kind}`),
  };
  return w;
}

const act = (w: Awaited<ReturnType<typeof world>>, id: string, action: string, body?: unknown) =>
  w.call(
    `${action === "unmute" ? "DELETE" : "POST"} /incidents/{id}/${action === "unmute" ? "mute" : action}`,
    { id },
    body,
  );

describe("acknowledge", () => {
  it("stops reminders, still sends the resolved notice, and a new occurrence clears it", async () => {
    const w = await world();
    await w.events(event("ack"));
    const { id } = await w.incident("ack");
    const acked = await act(w.at("2026-11-24T10:05:00Z"), id, "acknowledge", {
      by: "dana",
      note: "on it",
    });
    expect(acked.status).toBe(200);
    expect(acked.body.incident.acknowledged).toEqual({
      by: "dana",
      at: "2026-11-24T10:05:00.000Z",
      note: "on it",
    });
    // Whoever heard it fire (PagerDuty above all) hears who took it.
    expect(acked.body.notices).toEqual(["acknowledged"]);
    expect(w.kinds()).toEqual(["ack:firing", "ack:acknowledged"]);
    // Past the 4-hour repeat interval: an unacknowledged incident would remind now.
    await w.at("2026-11-24T15:00:00Z").events(event("ack"));
    expect(w.kinds()).toEqual(["ack:firing", "ack:acknowledged"]);
    await w.at("2026-11-24T15:10:00Z").events(event("ack", "recovery"));
    expect(w.kinds()).toEqual(["ack:firing", "ack:acknowledged", "ack:resolved"]);
    // It happens again: a new occurrence, not acknowledged, announced again.
    await w.at("2026-11-24T16:00:00Z").events(event("ack"));
    expect((await w.incident("ack")).acknowledged).toBeUndefined();
    expect(w.kinds()).toEqual(["ack:firing", "ack:acknowledged", "ack:resolved", "ack:firing"]);
  });

  it("is `admin` when nobody is named, and takes no body at all", async () => {
    const w = await world();
    await w.events(event("anon"));
    const { id } = await w.incident("anon");
    const acked = await act(w, id, "acknowledge");
    expect(acked.body.incident.acknowledged.by).toBe("admin");
  });

  it("gives one outcome for two clicks at once: one wins, the other is told who", async () => {
    const w = await world();
    await w.events(event("twice"));
    const { id } = await w.incident("twice");
    const answers = await Promise.all([
      act(w, id, "acknowledge", { by: "ann" }),
      act(w, id, "acknowledge", { by: "bob" }),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    const winner = answers.find((a) => a.status === 200)?.body.incident.acknowledged.by;
    expect((await w.incident("twice")).acknowledged?.by).toBe(winner);
    expect(answers.find((a) => a.status === 409)?.body.error).toMatch(
      new RegExp(`already acknowledged by ${winner}`),
    );
  });
});

describe("mute an incident", () => {
  it("counts while muted, sends nothing, then announces the firing it withheld when it ends", async () => {
    const w = await world();
    await w.events(event("quiet"));
    const { id } = await w.incident("quiet");
    // Announced and resolved; muted; then it comes back while muted.
    await act(w, id, "resolve");
    expect(w.kinds()).toEqual(["quiet:firing", "quiet:resolved"]);
    const muted = await act(w.at("2026-11-24T10:10:00Z"), id, "mute", {
      duration_seconds: 3600,
      comment: "customer reconnecting",
    });
    expect(muted.status).toBe(200);
    expect(muted.body.incident.muted_until).toBe("2026-11-24T11:10:00.000Z");
    await w.at("2026-11-24T10:20:00Z").events(event("quiet"), event("quiet"));
    const during = await w.incident("quiet");
    expect(during).toMatchObject({ status: "firing", count: 2, withheld: { kind: "firing" } });
    expect(w.kinds()).toHaveLength(2);
    expect(await w.at("2026-11-24T11:00:00Z").sweep()).toMatchObject({ released: 0 });
    expect(w.kinds()).toHaveLength(2);
    // The mute has ended: the sweeper announces it, once.
    expect(await w.at("2026-11-24T11:10:01Z").sweep()).toMatchObject({ released: 1 });
    expect(await w.at("2026-11-24T11:15:00Z").sweep()).toMatchObject({ released: 0 });
    expect(w.kinds()).toEqual(["quiet:firing", "quiet:resolved", "quiet:firing"]);
    expect(w.bus.published.at(-1)?.incident.count).toBe(2);
  });

  it("holds a resolved notice until the mute ends when the firing was announced", async () => {
    const w = await world();
    await w.events(event("held"));
    const { id } = await w.incident("held");
    await act(w, id, "mute", { duration_seconds: 600 });
    // Reminders are withheld too: none while muted, even past the repeat interval.
    await w.at("2026-11-24T10:05:00Z").events(event("held", "recovery"));
    expect(w.kinds()).toEqual(["held:firing"]);
    expect((await w.incident("held")).status).toBe("resolved");
    await w.at("2026-11-24T10:10:01Z").sweep();
    expect(w.kinds()).toEqual(["held:firing", "held:resolved"]);
    expect(w.bus.published.at(-1)?.resolution).toBe("recovery");
  });

  it("owes nothing for a problem that fired and resolved entirely under the mute", async () => {
    const w = await world();
    await w.events(event("unseen"));
    const { id } = await w.incident("unseen");
    await act(w, id, "resolve");
    await act(w, id, "mute", { duration_seconds: 600 });
    await w.at("2026-11-24T10:01:00Z").events(event("unseen"));
    await w.at("2026-11-24T10:02:00Z").events(event("unseen", "recovery"));
    await w.at("2026-11-24T10:11:00Z").sweep();
    expect(w.kinds()).toEqual(["unseen:firing", "unseen:resolved"]);
  });

  it("withholds reminders, which come again with the next event after it ends", async () => {
    const w = await world();
    await w.events(event("remind"));
    const { id } = await w.incident("remind");
    await act(w, id, "mute", { duration_seconds: 6 * 3600 });
    await w.at("2026-11-24T15:00:00Z").events(event("remind"));
    expect(w.kinds()).toEqual(["remind:firing"]);
    await w.at("2026-11-24T16:01:00Z").events(event("remind"));
    expect(w.kinds()).toEqual(["remind:firing", "remind:reminder"]);
    expect(w.bus.published.at(-1)?.since_last_notice).toBe(2);
  });

  it("ends early with DELETE, sending what it held at once", async () => {
    const w = await world();
    await w.events(event("early"));
    const { id } = await w.incident("early");
    await act(w, id, "mute", { duration_seconds: 3600 });
    const resolved = await act(w.at("2026-11-24T10:05:00Z"), id, "resolve", { by: "sam" });
    expect(resolved.body.notices).toEqual([]);
    const unmuted = await act(w.at("2026-11-24T10:06:00Z"), id, "unmute");
    expect(unmuted.status).toBe(200);
    expect(unmuted.body.notices).toEqual(["resolved"]);
    expect(w.kinds()).toEqual(["early:firing", "early:resolved"]);
    expect(w.bus.published.at(-1)).toMatchObject({ resolution: "manual" });
    expect((await act(w, id, "unmute")).status).toBe(409);
  });
});

describe("resolve", () => {
  it("resolves now with exactly one resolved notice; a second click is refused", async () => {
    const w = await world();
    await w.events(event("done"));
    const { id } = await w.incident("done");
    const answers = await Promise.all([act(w, id, "resolve"), act(w, id, "resolve")]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    expect(w.kinds()).toEqual(["done:firing", "done:resolved"]);
    expect(await w.incident("done")).toMatchObject({
      status: "resolved",
      resolution: "manual",
      resolved_by: "admin",
    });
    expect((await act(w, id, "acknowledge")).status).toBe(409);
  });

  it("racing the sweeper gives one resolution and one resolved notice", async () => {
    const w = await world();
    const accounts = ["r1", "r2", "r3", "r4"];
    await w.events(...accounts.map((a) => event(a)));
    const ids = await Promise.all(accounts.map(async (a) => (await w.incident(a)).id));
    // A day and a minute later the sweeper finds them all quiet, while on-call resolves them.
    w.at("2026-11-25T10:01:00Z");
    const [swept, ...answers] = await Promise.all([
      w.sweep(),
      ...ids.map((id) => act(w, id, "resolve")),
    ]);
    const byHand = answers.filter((a) => a.status === 200).length;
    expect(answers.every((a) => a.status === 200 || a.status === 409)).toBe(true);
    expect(byHand + swept.resolved).toBe(accounts.length);
    const resolved = w.bus.published.filter((n) => n.kind === "resolved");
    expect(resolved.map((n) => n.incident.account.id).sort()).toEqual(accounts);
  });

  it("answers 404 for an unknown incident and 422 naming the field for a bad body", async () => {
    const w = await world();
    await w.events(event("bad"));
    const { id } = await w.incident("bad");
    expect((await act(w, "inc_nope", "resolve")).status).toBe(404);
    expect((await act(w, "../x", "acknowledge")).status).toBe(404);
    const cases: [string, unknown, string][] = [
      ["mute", {}, "duration_seconds"],
      ["mute", { duration_seconds: 0 }, "duration_seconds"],
      ["mute", { duration_seconds: 1.5 }, "duration_seconds"],
      ["mute", { duration_seconds: 31 * 86400 }, "duration_seconds"],
      ["mute", { duration_seconds: 60, colour: "red" }, ""],
      ["acknowledge", { note: "x".repeat(1001) }, "note"],
      ["acknowledge", { by: "" }, "by"],
      ["resolve", { by: 7 }, "by"],
    ];
    for (const [action, body, path] of cases) {
      const answer = await act(w, id, action, body);
      expect(answer.status, JSON.stringify(body)).toBe(422);
      expect(answer.body.details.map((d: { path: string }) => d.path)).toContain(path);
    }
    expect((await act(w, id, "mute", "{oops")).status).toBe(400);
    expect((await act(w, id, "mute")).status).toBe(422);
  });
});

describe("mutes by matcher", () => {
  it("silence every incident they match; removing one early sends what it held", async () => {
    const w = await world();
    const created = await w.call(
      "POST /mutes",
      {},
      {
        provider: "Lever",
        duration_seconds: 3600,
        comment: "Lever outage",
        by: "ops",
      },
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ provider: "lever", created_by: "ops" });
    expect((await w.call("GET /mutes")).body.mutes.map((m: Json) => m.id)).toEqual([
      created.body.id,
    ]);
    await w.at("2026-11-24T10:01:00Z").events(event("m1"), event("m2"));
    expect(w.kinds()).toEqual([]);
    const view = await w.call("GET /incidents/{id}", { id: (await w.incident("m1")).id });
    expect(view.body).toMatchObject({
      muted_until: "2026-11-24T11:00:00.000Z",
      withheld: "firing",
    });

    const removed = await w.call("DELETE /mutes/{id}", { id: created.body.id });
    expect(removed.body).toEqual({ id: created.body.id, deleted: true, notices_released: 2 });
    expect(w.kinds().sort()).toEqual(["m1:firing", "m2:firing"]);
    expect((await w.call("GET /mutes")).body.mutes).toEqual([]);
    expect((await w.call("DELETE /mutes/{id}", { id: created.body.id })).status).toBe(404);
  });

  it("match every matcher they give: another account or provider still alerts", async () => {
    const w = await world();
    await w.call(
      "POST /mutes",
      {},
      { account_id: "off", category: "reauth_required", duration_seconds: 60 },
    );
    await w.events(event("off"), event("on"));
    expect(w.kinds()).toEqual(["on:firing"]);
    // Ended on its own: the sweeper announces the one it held.
    await w.at("2026-11-24T10:01:01Z").sweep();
    expect(w.kinds()).toEqual(["on:firing", "off:firing"]);
  });

  it("refuse a mute that matches everything and name the bad field", async () => {
    const w = await world();
    const cases: [unknown, string][] = [
      [{ duration_seconds: 60 }, ""],
      [{ provider: "lever" }, "duration_seconds"],
      [{ provider: "lever", duration_seconds: -5 }, "duration_seconds"],
      [{ category: "sunspots", duration_seconds: 60 }, "category"],
      [{ account_id: "", duration_seconds: 60 }, "account_id"],
      [{ provider: "lever", duration_seconds: 60, until: "never" }, ""],
    ];
    for (const [body, path] of cases) {
      const answer = await w.call("POST /mutes", {}, body);
      expect(answer.status, JSON.stringify(body)).toBe(422);
      expect(answer.body.details.map((d: { path: string }) => d.path)).toContain(path);
    }
    expect((await w.call("POST /mutes", {}, "[")).status).toBe(400);
    expect((await w.call("DELETE /mutes/{id}", { id: "nope" })).status).toBe(404);
  });

  it("never answer 5xx to any JSON body", async () => {
    const w = await world();
    await w.events(event("prop"));
    const { id } = await w.incident("prop");
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          "POST /mutes",
          "POST /incidents/{id}/mute",
          "POST /incidents/{id}/acknowledge",
        ),
        fc.oneof(
          fc.jsonValue(),
          fc.record(
            {
              duration_seconds: fc.oneof(fc.integer(), fc.double(), fc.string()),
              provider: fc.string(),
              account_id: fc.string(),
              category: fc.string(),
              comment: fc.string(),
              note: fc.string(),
              by: fc.string(),
            },
            { requiredKeys: [] },
          ),
        ),
        async (route, body) => {
          const answer = await w.call(route, { id }, JSON.stringify(body) ?? "null");
          expect(answer.status).toBeLessThan(500);
          if (answer.status >= 400) expect(typeof answer.body.error).toBe("string");
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("GET /accounts/{account_id}", () => {
  it("shows the customer's open and recently resolved incidents per provider", async () => {
    const w = await world();
    await w.events(event("acme"));
    const { id } = await w.incident("acme");
    await act(w, id, "resolve");
    await w.at("2026-11-24T11:00:00Z").events(event("acme"));
    await w.events({ ...event("acme"), provider: "greenhouse", http: { status: 500 } });
    const answer = await w.call("GET /accounts/{account_id}", { account_id: "acme" });
    expect(answer.status).toBe(200);
    expect(answer.body.account_name).toBe("Customer acme");
    expect(
      answer.body.providers.map((p: Json) => [p.provider, p.open.length, p.recent.length]),
    ).toEqual([
      ["greenhouse", 1, 0],
      ["lever", 1, 0],
    ]);
    const none = await w.call("GET /accounts/{account_id}", { account_id: "nobody" });
    expect(none.body).toEqual({ account_id: "nobody", providers: [] });
    expect((await w.call("GET /accounts/{account_id}", { account_id: "a b" })).status).toBe(422);
  });

  it("never answers 5xx, whatever the account id", async () => {
    const w = await world();
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 300 }), async (accountId) => {
        const answer = await w.call("GET /accounts/{account_id}", { account_id: accountId });
        expect([200, 422]).toContain(answer.status);
      }),
      { numRuns: 60 },
    );
  });
});
