import type { Incident, Resolution } from "./incident.ts";

/**
 * `acknowledged`: on-call took the incident (internal destinations only); PagerDuty stops
 * escalating, the others are told who has it.
 */
export const NOTICE_KINDS = ["firing", "reminder", "resolved", "acknowledged"] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

/** One state change of an incident, published once to the alerts topic. */
export type Notice = {
  /** Stable per (incident, notice), so receivers can deduplicate a redelivery. */
  id: string;
  kind: NoticeKind;
  incident: Incident;
  /** For reminders: events since the previous notice. */
  since_last_notice?: number;
  /** For resolved notices: what resolved it. */
  resolution?: Resolution;
  /**
   * A reconnect that resolved several problems the customer was told of: the incident whose
   * resolved notice tells the customer, once for the account (notify/audience.ts).
   */
  customer_told_by?: string;
  /** For acknowledged notices: who acknowledged it. */
  acknowledged_by?: string;
  created_at: string;
  /**
   * For firing and reminder notices the customer must act on by reconnecting: the signed link
   * that starts a re-authentication (shared/reconnect). A credential: shown as a button or link
   * text, never logged.
   */
  reconnect_url?: string;
  /** Provider incidents' reminders: how many accounts it had hit at the previous notice. */
  affected_before?: number;
};
