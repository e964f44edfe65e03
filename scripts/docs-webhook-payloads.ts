import { writeFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as z from "zod/mini";
import type { Notice } from "../shared/incidents/notice.ts";
import { CustomerNoticeSchema, customerPayload } from "../shared/notify/customer-payload.ts";

export const WEBHOOK_PAYLOADS_PATH = fileURLToPath(
  new URL("../docs/webhook-payloads.md", import.meta.url),
);

/** The example both payloads are shown for: a revoked Hibob key at a customer. */
export const EXAMPLE_NOTICE: Notice = {
  id: "inc_4f2a9c.1.1.firing",
  kind: "firing",
  created_at: "2026-11-24T10:21:40.000Z",
  incident: {
    id: "inc_4f2a9c",
    account: { id: "acct_42", name: "Acme GmbH" },
    provider: "hibob",
    rule_id: "stackone.401",
    category: "reauth_required",
    severity: "critical",
    must_act: "customer",
    customer: {
      title: "Your Hibob connection needs to be reconnected",
      what_happened: "Hibob no longer accepts the sign-in this connection uses.",
      remediation: ["Reconnect Hibob from the integrations page where you first connected it."],
    },
    status: "firing",
    title: "Hibob rejected the credentials",
    what_happened: "Hibob answered 401: the service user's token was revoked or rotated.",
    remediation: [
      "Ask the customer's Hibob admin to reconnect; create a StackOne connect session (POST /connect_sessions) with the account id.",
    ],
    retryable: false,
    count: 3,
    first_seen: "2026-11-24T10:21:33.000Z",
    last_seen: "2026-11-24T10:21:39.000Z",
    request_ids: ["req_5f1c", "req_5f1d", "req_5f1e"],
    messages: ["Unauthorized"],
    last_error: {
      status: 401,
      method: "GET",
      path: "/unified/hris/employees",
      message: "Unauthorized",
      provider_status: 401,
      provider_message: "Invalid credentials",
      request_id: "req_5f1e",
      at: "2026-11-24T10:21:39.000Z",
    },
    provider_messages: ["Invalid credentials"],
  },
};

type JsonSchema = { [key: string]: unknown };

/** The customer payload's JSON Schema, generated from the zod schema deliveries are built with. */
export function customerPayloadJsonSchema(): JsonSchema {
  const { $schema, ...schema } = z.toJSONSchema(CustomerNoticeSchema, { io: "output" });
  return { $schema, title: "Quirkwatch customer notice", ...schema };
}

const json = (value: unknown) => `\`\`\`json\n${JSON.stringify(value, null, 2)}\n\`\`\``;

export function renderWebhookPayloads(): string {
  return `# Webhook payloads

<!-- Generated from shared/notify/customer-payload.ts by npm run docs:schema; do not edit by hand. -->

Every notice (firing, reminder, resolved) is POSTed as JSON to each webhook subscription whose
filter matches it, signed per [Standard Webhooks](https://www.standardwebhooks.com). The
\`webhook-id\` header is the notice id, the same on every retry: drop a repeat by it. What the
body holds depends on the subscription's \`audience\`.

## \`audience: "customer"\`

For a system your customer's admin reads (their own portal, a ticket in their queue). It gets only
notices the customer must act on (reconnect, grant a permission), in the rule's customer wording,
and their end. It never holds rule ids, request ids, StackOne paths or our internal steps. When
one reconnect resolves several problems of a connection, only one of them sends its resolved
notice to the customer.

### Schema

${json(customerPayloadJsonSchema())}

### Example

${json(customerPayload(EXAMPLE_NOTICE))}

## \`audience: "internal"\` (the default)

For your own systems: the whole notice, with \`kind\`, \`created_at\`, for a reminder
\`since_last_notice\`, for a resolved notice \`resolution\`, and the incident with every field the
admin API shows (rule, category, severity, request ids, the last error in StackOne's and the
provider's words; see the README's admin API section).

${json(EXAMPLE_NOTICE)}
`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(WEBHOOK_PAYLOADS_PATH, renderWebhookPayloads());
  console.log("wrote docs/webhook-payloads.md");
}
