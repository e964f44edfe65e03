import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultDataMaxMb, nearlyFullEvents } from "../../server/data-bounds.ts";
import { createClassifier } from "../../shared/classify/classifier.ts";
import { parseEvent } from "../../shared/events/parse-event.ts";
import { BUILTIN_RULES } from "../../shared/quirks/catalog.ts";

describe("data bounds", () => {
  it("DATA_MAX_MB defaults to a share of the free disk, never below what the files hold", () => {
    const dir = mkdtempSync(join(tmpdir(), "quirkwatch-bounds-"));
    const mb = defaultDataMaxMb(dir, ["queue.db", "quirkwatch.db"]);
    expect(mb).toBeGreaterThanOrEqual(64);
    expect(mb).toBeLessThanOrEqual(4096);
    // A folder that does not exist yet is measured on the disk it would be made on.
    expect(defaultDataMaxMb(join(dir, "not", "yet"), ["queue.db"])).toBe(mb);
  });

  it("past 80% of the cap, an event that the built-in rules make an internal incident", () => {
    const dir = mkdtempSync(join(tmpdir(), "quirkwatch-bounds-"));
    writeFileSync(join(dir, "quirkwatch.db"), Buffer.alloc(850_000));
    writeFileSync(join(dir, "queue.db"), Buffer.alloc(100_000));
    const now = new Date("2026-11-24T14:02:00Z");
    const events = nearlyFullEvents(dir, ["queue.db", "quirkwatch.db"], 1_000_000, now);
    expect(events).toHaveLength(1);
    const event = parseEvent(JSON.parse(events[0]?.body ?? "{}"));
    expect(event.error?.message).toContain("quirkwatch.db holds 1 MB, 85% of DATA_MAX_MB");
    const classification = createClassifier(BUILTIN_RULES).classify(event);
    expect(classification).toMatchObject({
      rule_id: "quirkwatch.data_nearly_full",
      must_act: "us",
      severity: "critical",
    });
    expect(nearlyFullEvents(dir, ["queue.db"], 1_000_000, now)).toEqual([]);
    expect(nearlyFullEvents(dir, ["quirkwatch.db"], undefined, now)).toEqual([]);
  });
});
