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
  /** For acknowledged notices: who acknowledged it. */
  acknowledged_by?: string;
  created_at: string;
};
