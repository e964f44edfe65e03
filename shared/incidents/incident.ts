import type { Audience, Category, Severity } from "../quirks/rule.ts";

export const INCIDENT_STATUSES = ["pending", "firing", "resolved"] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

/** What resolved an incident: a recovery event, the sweeper after a quiet period, or on-call. */
export type Resolution = "recovery" | "quiet" | "manual";

export type Account = {
  id: string;
  name?: string;
  owner_id?: string;
  owner_name?: string;
  owner_email?: string;
};

/** One problem for one customer account: (account, provider, rule). What notices carry. */
export type Incident = {
  id: string;
  account: Account;
  provider: string;
  rule_id: string;
  category: Category;
  severity: Severity;
  audience: Audience[];
  status: IncidentStatus;
  title: string;
  what_happened: string;
  remediation: string[];
  retryable: boolean;
  docs_url?: string;
  /** Every event of the incident, including those before the threshold was reached. */
  count: number;
  first_seen: string;
  last_seen: string;
  /** The last few request ids and messages, newest last. */
  request_ids: string[];
  messages: string[];
  resolved_at?: string;
};
