import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  customerPayloadJsonSchema,
  EXAMPLE_NOTICE,
  renderWebhookPayloads,
  WEBHOOK_PAYLOADS_PATH,
} from "../../scripts/docs-webhook-payloads.ts";
import { CustomerNoticeSchema, customerPayload } from "../../shared/notify/customer-payload.ts";

type Node = { properties?: Record<string, Node>; items?: Node; description?: string };

describe("docs/webhook-payloads.md", () => {
  it("is up to date with the customer payload's schema", () => {
    const stale = "docs/webhook-payloads.md is stale: run npm run docs:schema";
    expect(existsSync(WEBHOOK_PAYLOADS_PATH), stale).toBe(true);
    expect(readFileSync(WEBHOOK_PAYLOADS_PATH, "utf8"), stale).toBe(renderWebhookPayloads());
  });

  it("describes every field and requires what every payload holds", () => {
    const schema = customerPayloadJsonSchema() as Node & { required?: string[] };
    expect(schema.required).toEqual(["id", "audience", "kind", "created_at", "incident"]);
    const undescribed: string[] = [];
    const walk = (node: Node, path: string) => {
      for (const [name, child] of Object.entries(node.properties ?? {})) {
        if (!child.description) undescribed.push(`${path}${name}`);
        walk(child, `${path}${name}.`);
      }
    };
    walk(schema, "");
    expect(undescribed).toEqual([]);
  });

  it("shows an example that the schema accepts, for every kind", () => {
    for (const kind of ["firing", "reminder", "resolved"] as const) {
      const payload = customerPayload({ ...EXAMPLE_NOTICE, kind, resolution: "recovery" });
      expect(CustomerNoticeSchema.safeParse(payload).success).toBe(true);
    }
  });
});
