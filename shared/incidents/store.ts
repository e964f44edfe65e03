import type { IncidentStatus, Scope } from "./incident.ts";
import type { IncidentRecord } from "./record.ts";

export type EventKey = { source: string; id: string };

export type Claim =
  | { status: "claimed" }
  /** Already recorded; `token`, `message_id` and `claimed_at` tell who recorded it. */
  | { status: "duplicate"; token?: string; message_id?: string; claimed_at?: number };

export type IncidentFilter = {
  status?: IncidentStatus;
  account_id?: string;
  provider?: string;
  category?: string;
  scope?: Scope;
  /** Paging: only incidents after this one, in the list's order (newest `last_seen` first). */
  after?: { last_seen: string; id: string };
  limit: number;
};

/**
 * Where incidents and counted event ids live. Every state change of an incident is one
 * conditional write (`saveIncident` on the version read), so two writers never both win.
 * Records with `due_at` set are open: the sweeper finds them through `dueIncidents`.
 */
export interface IncidentStore {
  /** Records an event id once; a second claim of the same key is a duplicate. */
  claimEvent(key: EventKey, claim: { token: string; message_id: string }): Promise<Claim>;
  /** Moves a claim from one batch token to another; false when it is no longer `from`'s. */
  reclaimEvent(key: EventKey, from: string, to: string): Promise<boolean>;
  getIncident(id: string): Promise<IncidentRecord | undefined>;
  /** Writes the record if nobody else wrote since `expectedVersion`; false when someone did. */
  saveIncident(record: IncidentRecord, expectedVersion: number | undefined): Promise<boolean>;
  /** Open incidents whose `due_at` has come, oldest due first. */
  dueIncidents(nowEpoch: number, limit: number): Promise<IncidentRecord[]>;
  /** Every open incident of one customer account. */
  openIncidentsForAccount(accountId: string): Promise<IncidentRecord[]>;
  /** Newest `last_seen` first. */
  listIncidents(filter: IncidentFilter): Promise<IncidentRecord[]>;
}
