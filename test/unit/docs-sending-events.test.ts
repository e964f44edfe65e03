import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { EVENT_SCHEMA_PATH, renderEventSchema } from "../../scripts/docs-event-schema.ts";
import { createClassifier } from "../../shared/classify/classifier.ts";
import { EVENT_KINDS } from "../../shared/events/event.ts";
import { readEvents } from "../../shared/ingest/read-events.ts";
import { BUILTIN_RULES } from "../../shared/quirks/catalog.ts";

const classifier = createClassifier(BUILTIN_RULES);
const PAGE = fileURLToPath(new URL("../../docs/sending-events.md", import.meta.url));

/** Every `<!-- source: rule ids -->` example of the page: its source, expected rules and body. */
function examples(): { source: "stackone" | "generic"; rules: string[]; body: string }[] {
  const page = readFileSync(PAGE, "utf8");
  return [...page.matchAll(/<!-- (stackone|generic): ([^>]+) -->\n```json\n([\s\S]*?)\n```/g)].map(
    (m) => ({
      source: m[1] as "stackone" | "generic",
      rules: String(m[2])
        .split(",")
        .map((r) => r.trim()),
      body: String(m[3]),
    }),
  );
}

describe("docs/event.schema.json", () => {
  it("is up to date with the event schema", () => {
    const stale = "docs/event.schema.json is stale: run npm run docs:schema";
    expect(existsSync(EVENT_SCHEMA_PATH), stale).toBe(true);
    expect(readFileSync(EVENT_SCHEMA_PATH, "utf8"), stale).toBe(renderEventSchema());
  });

  it("describes every field, requires what ingest requires, and lists every kind", () => {
    const schema = JSON.parse(renderEventSchema());
    const event = schema.$defs.event;
    expect(event.required).toEqual(["id", "kind", "occurred_at", "account", "provider"]);
    expect(event.properties.kind.enum).toEqual([...EVENT_KINDS]);
    const undescribed: string[] = [];
    type Node = { properties?: Record<string, Node>; items?: Node; description?: string };
    const walk = (node: Node, path: string) => {
      for (const [name, p] of Object.entries(node.properties ?? {})) {
        if (!p.description) undescribed.push(`${path}${name}`);
        walk(p, `${path}${name}.`);
        if (p.items) walk(p.items, `${path}${name}.`);
      }
    };
    walk(event, "");
    expect(undescribed).toEqual([]);
  });
});

describe("docs/sending-events.md", () => {
  it("has an example of each shape POST /webhooks/stackone accepts, and of the generic body", () => {
    const found = examples();
    expect(found.filter((e) => e.source === "stackone")).toHaveLength(6);
    expect(found.filter((e) => e.source === "generic")).toHaveLength(1);
  });

  it.each(examples().map((e) => [e.rules.join(", "), e] as const))(
    "its example is accepted and classified as it says (%s)",
    (_, example) => {
      // Received when it was sent: an example's time is fixed, the clock is not.
      const sentAt = /"(\d{4}-\d\d-\d\dT[^"]+)"/.exec(example.body)?.[1];
      const now = sentAt === undefined ? new Date() : new Date(sentAt);
      const events = readEvents(example.source, Buffer.from(example.body), now);
      expect(events.map((e) => classifier.classify(e).rule_id)).toEqual(example.rules);
    },
  );
});
