import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SqliteBatchProcessor } from "../../server/sqlite/processing-loop.ts";
import { openEventQueue } from "../../shared/adapters/sqlite/event-queue.ts";
import { openSqliteStores } from "../../shared/adapters/sqlite/stores.ts";
import { createClassifier } from "../../shared/classify/classifier.ts";
import { parseEvent } from "../../shared/events/parse-event.ts";
import type { Notice } from "../../shared/incidents/notice.ts";
import { silentLogger } from "../../shared/log.ts";
import { BUILTIN_RULES } from "../../shared/quirks/catalog.ts";
import { leverError } from "../support/factories.ts";

const dirs: string[] = [];
const closing: (() => void)[] = [];
afterEach(() => {
  for (const close of closing.splice(0)) close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The single node's processor and sweeper on a fresh data folder, at the time `clock` says. */
function singleNode(clock: { now: Date }) {
  const dir = mkdtempSync(join(tmpdir(), "quirkwatch-sweep-"));
  dirs.push(dir);
  const queue = openEventQueue(dir);
  const engine = openSqliteStores(dir, ["slack"]);
  closing.push(() => {
    engine.close();
    queue.close();
  });
  const processor = new SqliteBatchProcessor(engine, {
    classifier: createClassifier(BUILTIN_RULES),
    mutes: engine.mutes,
    log: silentLogger,
    now: () => clock.now,
  });
  return { engine, queue, processor };
}

describe("the single node's sweeper", () => {
  it("releases a held firing notice in the one write that decides it", async () => {
    const clock = { now: new Date("2026-11-24T10:00:05Z") };
    const { engine, queue, processor } = singleNode(clock);
    // A sustained rate limit fires; as a provider-side problem its notice waits for a provider
    // incident of other accounts (PROVIDER_GROUP_WAIT_SECONDS, 60 s), which never forms.
    const events = Array.from({ length: 10 }, (_, i) => parseEvent(leverError(`rl${i}`, 429)));
    await queue.send(events.map((e, i) => ({ id: String(i), body: JSON.stringify(e) })));
    processor.processOnce();
    const published = () =>
      engine.outbox.due(Number.MAX_SAFE_INTEGER, 100).map((r) => JSON.parse(r.notice) as Notice);
    expect(published()).toEqual([]);
    const before = engine.incidents.writes.incident;

    clock.now = new Date("2026-11-24T10:01:10Z");
    expect(await processor.sweep()).toEqual({ resolved: 0, released: 1, published: 1 });
    expect(published().map((n) => [n.kind, n.incident.rule_id])).toEqual([["firing", "lever.429"]]);
    // Not a write that decides it and another that takes it out of the outbox once published.
    expect(engine.incidents.writes.incident - before).toBe(1);
    const [incident] = await engine.incidents.listIncidents({ scope: "account", limit: 10 });
    expect(incident).toMatchObject({ status: "firing", outbox: [] });
    expect(incident?.withheld).toBeUndefined();

    // Nothing is owed any more: the next run changes nothing.
    expect(await processor.sweep()).toEqual({ resolved: 0, released: 0, published: 0 });
    expect(engine.incidents.writes.incident - before).toBe(1);
  });
});
