import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { requestLog } from "../../scripts/demo-scenarios.ts";
import { createClassifier } from "../../shared/classify/classifier.ts";
import type { IntegrationEvent } from "../../shared/events/event.ts";
import type { EventQueue, QueueMessage } from "../../shared/events/queue.ts";
import { BUILTIN_RULES } from "../../shared/quirks/catalog.ts";
import { logQueries } from "../../shared/sources/stackone/log-queries.ts";
import { pollRequestLogs } from "../../shared/sources/stackone/poll-request-logs.ts";
import { POLLER_ACCOUNT } from "../../shared/sources/stackone/poller-health.ts";
import { RequestLogsClient } from "../../shared/sources/stackone/request-logs-client.ts";
import { type StackoneServer, startStackoneServer } from "../support/stackone-server.ts";
import { forEachEngine } from "./engines.ts";

/**
 * The request-log poller over each engine's cursor store and processor, against the StackOne
 * test server: what it remembers between polls (details fetched once) and the incident it opens
 * when advanced logs are off.
 */

const API = "https://api.stackone.com/unified";
const classifier = createClassifier(BUILTIN_RULES);
const queries = logQueries(BUILTIN_RULES);

class RecordingQueue implements EventQueue {
  readonly events: IntegrationEvent[] = [];
  async send(messages: QueueMessage[]) {
    this.events.push(...messages.map((m) => JSON.parse(m.body) as IntegrationEvent));
  }
  take = () => this.events.splice(0);
}

let server: StackoneServer;
beforeAll(async () => {
  server = await startStackoneServer();
});
afterAll(async () => {
  await server?.close();
});
beforeEach(() => server.reset());

const note = (n: number, body: unknown, at: Date) =>
  requestLog(
    "hooli_bullhorn",
    "bullhorn",
    { status: 201, method: "POST", url: `${API}/ats/notes`, resource: "notes", requestBody: body },
    n,
    new Date(at.getTime() - 30_000).toISOString(),
  );

forEachEngine((engine) => {
  describe("request-log poller", () => {
    it("fetches each log's detail once, bodies or not, while the overlap reads it again", async () => {
      const { cursors } = await engine().fresh();
      const queue = new RecordingQueue();
      let clock = new Date("2026-11-24T10:00:00.000Z");
      const api = new RequestLogsClient({ baseUrl: server.url, apiKey: server.key });
      const poll = () =>
        pollRequestLogs({ api, cursors, queue, classifier, queries, clock: { now: () => clock } });
      server.advancedLogs("off");
      server.add(note(1, { content: "a" }, clock), note(2, { content: "b" }, clock));
      // Every 30 s for 2 minutes: both logs stay in the overlap the whole time.
      for (let i = 0; i < 5; i++) {
        await poll();
        clock = new Date(clock.getTime() + 30_000);
      }
      expect(server.detailCalls()).toHaveLength(2);
    });

    it("opens one internal incident while advanced logs are off, and resolves it once bodies arrive", async () => {
      let clock = new Date("2026-11-24T10:00:00.000Z");
      // The processor on the poller's clock: events are judged by their time (README, Time rules).
      const processing = await engine().processing({ now: () => clock });
      const { cursors } = await engine().fresh();
      const queue = new RecordingQueue();
      const api = new RequestLogsClient({ baseUrl: server.url, apiKey: server.key });
      const poll = async () => {
        await pollRequestLogs({
          api,
          cursors,
          queue,
          classifier,
          queries,
          clock: { now: () => clock },
        });
        await processing.process(queue.take());
        clock = new Date(clock.getTime() + 60_000);
      };
      const open = async () =>
        (await processing.incidents.listIncidents({ limit: 10 })).filter(
          (i) => i.account.id === POLLER_ACCOUNT.id,
        );

      server.advancedLogs("off");
      server.add(note(1, { content: "Called", author_id: "12" }, clock));
      await poll();
      const [off] = await open();
      expect(off).toMatchObject({ rule_id: "quirkwatch.advanced_logs_off", status: "firing" });
      expect(off?.title).toMatch(/^StackOne advanced logs are off/);

      // Another log without bodies: the same incident, counted again.
      server.add(note(2, { content: "x" }, clock));
      await poll();
      expect(await open()).toMatchObject([{ id: off?.id, count: 2, status: "firing" }]);

      server.advancedLogs("on");
      server.add(note(3, { content: "Called", author_id: "12" }, clock));
      await poll();
      expect(await open()).toMatchObject([{ id: off?.id, status: "resolved" }]);
      // And the silent note of that poll is seen, through its bodies.
      const notes = (await processing.incidents.listIncidents({ limit: 10 })).filter(
        (i) => i.account.id === "hooli_bullhorn",
      );
      expect(notes.map((i) => i.rule_id)).toEqual(["bullhorn.note_missing_candidate_id"]);
    });
  });
});
