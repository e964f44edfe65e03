import type { Category, CustomerWording, MustAct, Severity } from "../quirks/rule.ts";

export const INCIDENT_STATUSES = ["pending", "firing", "resolved"] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

/**
 * What resolved an incident: a recovery event, the sweeper after a quiet period, on-call by
 * hand, or the account's deletion (which tells no customer).
 */
export type Resolution = "recovery" | "quiet" | "manual" | "account_deleted";

/**
 * `account`: one customer's problem. `provider`: one provider failing for many accounts at once
 * (provider-incident.ts), which holds back the notices of the account incidents it covers.
 */
export type Scope = "account" | "provider";

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
  /** Who must act: the customer's admin, or us. */
  must_act: MustAct;
  /** What the customer's admin is told, when they must act. */
  customer?: CustomerWording;
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
  /** The newest event, in StackOne's and the provider's own words. */
  last_error?: LastError;
  /** The last few distinct messages of the provider itself, newest last. */
  provider_messages: string[];
  resolved_at?: string;
  /** The reconnect link of this occurrence: sent, opened, reconnected (no link in it). */
  reconnect?: ReconnectTrail;
  /** Absent on incidents stored before scopes existed: `account`. */
  scope?: Scope;
  /** Provider incidents: how many accounts it has hit, and the names of the first few. */
  affected_accounts?: number;
  sample_accounts?: string[];
};

/**
 * The newest event of an incident. `message` is StackOne's text; `provider_status` and
 * `provider_message` are the provider's, from the newest event that carried them, so a later
 * event without them (a request-log summary) does not erase the provider's words.
 */
export type LastError = {
  status?: number;
  method?: string;
  path?: string;
  message?: string;
  provider_status?: number;
  provider_message?: string;
  request_id?: string;
  at: string;
};

/**
 * What became of an occurrence's reconnect link, for on-call: when it was first sent, first
 * opened, which connect session Quirkwatch made last, and whether the account came back after
 * it. Part of the incident (notices and the API show it); never a link or a token.
 */
export type ReconnectTrail = {
  sent_at?: string;
  opened_at?: string;
  /** StackOne's id of the last connect session a click made. */
  session_id?: string;
  session_at?: string;
  /** The account came back active after a session Quirkwatch made: reconnected through the link. */
  reconnected_at?: string;
};
