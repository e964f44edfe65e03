import type { Incident, Resolution } from "./incident.ts";

export const NOTICE_KINDS = ["firing", "reminder", "resolved"] as const;
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
  created_at: string;
  /** Provider incidents' reminders: how many accounts it had hit at the previous notice. */
  affected_before?: number;
};
