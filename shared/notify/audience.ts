import type { Incident } from "../incidents/incident.ts";
import type { Notice } from "../incidents/notice.ts";
import { wordingFor } from "../quirks/customer-wording.ts";
import type { Audience, CustomerWording } from "../quirks/rule.ts";

/**
 * Who hears of a notice. Internal destinations hear of every one; the customer's admin only of
 * what they must act on, not of the quiet close of an account that was deleted, nor of an
 * acknowledgement; and of a reconnect that fixed several problems once, through the notice
 * chosen to tell them.
 */
export function forCustomer(notice: Notice): boolean {
  return (
    notice.incident.must_act === "customer" &&
    notice.resolution !== "account_deleted" &&
    // Who on our side took the incident is not the customer's business.
    notice.kind !== "acknowledged" &&
    (notice.customer_told_by === undefined || notice.customer_told_by === notice.incident.id)
  );
}

/** Every audience a notice is worded for: internal always, then the customer when it is theirs. */
export function audiencesOf(notice: Notice): Audience[] {
  return forCustomer(notice) ? ["internal", "customer"] : ["internal"];
}

/** What the customer's admin is told of an incident. */
export function customerWording(incident: Incident): CustomerWording {
  // Only an incident stored before customer wording existed lacks it.
  const wording = incident.customer ?? {
    title: "Your {provider} connection needs attention",
    what_happened: "There is a problem with your {provider} connection.",
    remediation: ["Check the connection from the integrations page where you first connected it."],
  };
  return wordingFor(wording, incident.provider);
}
