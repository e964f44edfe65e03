import { writeFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as z from "zod/mini";
import { EVENT_KINDS, IntegrationEvent, JsonValueSchema, LIMITS } from "../shared/events/event.ts";
import { MAX_EVENTS_PER_REQUEST } from "../shared/ingest/read-events.ts";

export const EVENT_SCHEMA_PATH = fileURLToPath(
  new URL("../docs/event.schema.json", import.meta.url),
);

/** What each field means, for people reading the schema; the zod schema says what is valid. */
const DESCRIPTIONS: Record<string, string> = {
  id: "Unique per event; a redelivery with the same id is counted once. Use the request id when there is one.",
  kind: `error: a request failed. recovery: the account works again (resolves its re-auth and permission incidents). data_warning: data looks wrong although the request succeeded. info: a success; only rules for silent problems look at it. account_deleted: the account is gone (quietly resolves its incidents). One of ${EVENT_KINDS.join(", ")}.`,
  type: "The sender's own event type, e.g. request.failed; rules may match it.",
  occurred_at: "When it happened (ISO 8601 with an offset); a time in the future counts as now.",
  account: "The customer's linked account: one incident per problem per account.",
  "account.id": "The linked account id (StackOne's account_id).",
  "account.name": "The customer's name, shown in alerts (StackOne's origin_owner_name).",
  "account.owner_id": "Your id for the customer (StackOne's origin_owner_id).",
  "account.owner_name": "Who connected the account (StackOne's origin_username).",
  "account.owner_email": "Their email address.",
  provider: "The provider key as StackOne names it, e.g. hibob, greenhouse, lever (lower-cased).",
  http: "The unified API request that failed or that a rule looks at.",
  "http.status": "The HTTP status StackOne answered.",
  "http.method": "GET, POST, ...",
  "http.path": "The unified API path, e.g. /unified/hris/employees.",
  resource: "The unified resource, e.g. employees or notes; rules match it like the path.",
  error: "What went wrong, in StackOne's and the provider's words.",
  "error.message": `StackOne's message (cut to ${LIMITS.text} characters).`,
  "error.code": "StackOne's errorCode.",
  "error.provider_errors": `The provider's own errors, at most ${LIMITS.providerErrors}.`,
  "error.provider_errors.status": "The status the provider answered StackOne.",
  "error.provider_errors.url": "The provider URL StackOne called.",
  "error.provider_errors.raw": `The provider's answer, as text or as StackOne returns it, a JSON object (kept as its JSON text): Quirkwatch shows its message, error, error_description or errors[] (cut to ${LIMITS.text} characters).`,
  request_id: "StackOne's request id, shown to on-call to give StackOne support.",
  retry_after_seconds: "The Retry-After the provider or StackOne sent.",
  request_body: `A sample of the request body (at most ${LIMITS.sampleBytes} bytes are kept): rules for silent problems read it, e.g. a Bullhorn note's candidate_id.`,
  response_body: `A sample of the response body (at most ${LIMITS.sampleBytes} bytes are kept), e.g. Hibob employees without employment_status.`,
};

type JsonSchema = { [key: string]: unknown };

function describe(schema: JsonSchema, path: string[] = []): void {
  const properties = schema.properties as Record<string, JsonSchema> | undefined;
  for (const [name, property] of Object.entries(properties ?? {})) {
    const key = [...path, name].join(".");
    const description = DESCRIPTIONS[key];
    if (description) property.description = description;
    describe(property, [...path, name]);
    const items = property.items as JsonSchema | undefined;
    if (items?.properties) describe(items, [...path, name]);
  }
}

/**
 * The body of `POST /webhooks/generic`: one event or an array of them, generated from the zod
 * schema ingest validates with (without `source`, which ingest sets to `generic`).
 */
export function eventJsonSchema(): JsonSchema {
  const { $schema, ...event } = z.toJSONSchema(z.omit(IntegrationEvent, { source: true }), {
    io: "input",
    // The body samples are checked by a function, which JSON Schema cannot express: any JSON.
    unrepresentable: "any",
    override: (ctx) => {
      if (ctx.zodSchema === JsonValueSchema) ctx.jsonSchema.$ref = "#/$defs/json_value";
    },
  }) as JsonSchema;
  // Standalone, z.json() refers to itself as the root ("#"); here it lives in $defs.
  const { $schema: _, ...jsonValue } = JSON.parse(
    JSON.stringify(z.toJSONSchema(z.json())).replaceAll('"#"', '"#/$defs/json_value"'),
  ) as JsonSchema;
  describe(event);
  const json = JSON.stringify({
    $schema,
    title: "Quirkwatch event",
    description: `The body of POST /webhooks/generic, signed per Standard Webhooks: one event, or an array of 1 to ${MAX_EVENTS_PER_REQUEST}. Generated from shared/events/event.ts by npm run docs:schema; do not edit by hand.`,
    anyOf: [
      { $ref: "#/$defs/event" },
      {
        type: "array",
        minItems: 1,
        maxItems: MAX_EVENTS_PER_REQUEST,
        items: { $ref: "#/$defs/event" },
      },
    ],
    $defs: { event, json_value: jsonValue },
  });
  return JSON.parse(json) as JsonSchema;
}

export const renderEventSchema = () => `${JSON.stringify(eventJsonSchema(), null, 2)}\n`;

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(EVENT_SCHEMA_PATH, renderEventSchema());
  console.log("wrote docs/event.schema.json");
}
