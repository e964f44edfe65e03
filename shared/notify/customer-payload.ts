import * as z from "zod/mini";
import type { Notice } from "../incidents/notice.ts";
import { oneLine } from "../outside-text.ts";
import { providerName, truncate } from "../text-format.ts";
import { customerWording } from "./audience.ts";

/**
 * What a customer-audience webhook receives: the problem in the words of the customer's admin,
 * and nothing of ours (no rule, request id, StackOne path or internal remediation). The schema
 * is the contract (docs/webhook-payloads.md is generated from it): a new field is one optional
 * entry here, with its description, and one line in `customerPayload`.
 */

const described = <T extends z.core.$ZodType>(schema: T, description: string): T => {
  z.globalRegistry.add(schema, { description });
  return schema;
};

/** The provider's own message, as the customer's email shows it. */
export const PROVIDER_MESSAGE_MAX = 1_000;

/** The notices a customer hears of (an acknowledgement is ours: notify/audience.ts). */
export const CUSTOMER_NOTICE_KINDS = ["firing", "reminder", "resolved"] as const;

/** How a customer's incident ended; an account's deletion tells the customer nothing. */
export const CUSTOMER_RESOLUTIONS = ["recovery", "quiet", "manual"] as const;

export const CustomerIncidentSchema = z.strictObject({
  id: described(z.string(), "The incident id: one problem for one connection. Stable."),
  account: described(
    z.strictObject({
      id: described(z.string(), "The connection's account id, as your integration knows it."),
      name: z.optional(described(z.string(), "The customer's name for the connection.")),
    }),
    "The connection the problem is on.",
  ),
  provider: described(z.string(), "The provider key, e.g. hibob or greenhouse."),
  provider_name: described(z.string(), "The provider as a person names it, e.g. Hibob."),
  title: described(z.string(), "One line for the customer's admin."),
  what_happened: described(z.string(), "What happened, in words for the customer's admin."),
  what_to_do: described(z.array(z.string()), "The steps the customer's admin should take."),
  provider_message: z.optional(
    described(
      z.string(),
      `The provider's own message (at most ${PROVIDER_MESSAGE_MAX} characters), when there is one; never on a resolved notice.`,
    ),
  ),
  status: described(z.enum(["firing", "resolved"]), "Whether the problem is still happening."),
  first_seen: described(z.string(), "When the problem was first seen (ISO 8601, UTC)."),
  last_seen: described(z.string(), "When it was last seen (ISO 8601, UTC)."),
  resolved_at: z.optional(described(z.string(), "When it was resolved (ISO 8601, UTC).")),
  resolution: z.optional(
    described(
      z.enum(CUSTOMER_RESOLUTIONS),
      "What resolved it: recovery (the connection works again), quiet (not seen for a while) or manual (marked resolved by hand).",
    ),
  ),
});

export const CustomerNoticeSchema = z.strictObject({
  id: described(
    z.string(),
    "The notice id, also the webhook-id header: the same on every retry, so you can drop a repeat.",
  ),
  audience: described(z.literal("customer"), "Always customer: the customer's own words."),
  kind: described(
    z.enum(CUSTOMER_NOTICE_KINDS),
    "firing: a new problem. reminder: it is still happening. resolved: it is over.",
  ),
  created_at: described(z.string(), "When the notice was decided (ISO 8601, UTC)."),
  reconnect_url: z.optional(
    described(
      z.string(),
      "On firing and reminder notices of a problem the customer's admin fixes by reconnecting, when reconnect links are on: a link that opens the provider's sign-in page for this connection. It works for a few days (7 by default) and only until the problem is resolved. It is a credential: show it to the customer's admin as a button or link, and do not log it.",
    ),
  ),
  incident: described(CustomerIncidentSchema, "The problem."),
});
export type CustomerNotice = z.output<typeof CustomerNoticeSchema>;

/** The provider's own words for the customer, while the problem lasts. */
export function customerProviderMessage(notice: Notice): string | undefined {
  if (notice.kind === "resolved") return undefined;
  const words = notice.incident.last_error?.provider_message;
  return words ? truncate(words, PROVIDER_MESSAGE_MAX) : undefined;
}

/** The customer-audience webhook body for a notice (only notices `forCustomer` lets through). */
export function customerPayload(notice: Notice): CustomerNotice {
  const incident = notice.incident;
  const wording = customerWording(incident);
  const providerMessage = customerProviderMessage(notice);
  const resolution = CUSTOMER_RESOLUTIONS.find((r) => r === notice.resolution);
  return {
    id: notice.id,
    audience: "customer",
    // An acknowledgement never reaches the customer (forCustomer); typed away here.
    kind: notice.kind === "acknowledged" ? "firing" : notice.kind,
    created_at: notice.created_at,
    ...(notice.reconnect_url ? { reconnect_url: notice.reconnect_url } : {}),
    incident: {
      id: incident.id,
      account: {
        id: incident.account.id,
        ...(incident.account.name ? { name: oneLine(incident.account.name) } : {}),
      },
      provider: incident.provider,
      provider_name: providerName(incident.provider),
      title: wording.title,
      what_happened: wording.what_happened,
      what_to_do: wording.remediation,
      ...(providerMessage ? { provider_message: providerMessage } : {}),
      status: notice.kind === "resolved" ? "resolved" : "firing",
      first_seen: incident.first_seen,
      last_seen: incident.last_seen,
      ...(notice.kind === "resolved" && incident.resolved_at
        ? { resolved_at: incident.resolved_at }
        : {}),
      ...(resolution ? { resolution } : {}),
    },
  };
}
