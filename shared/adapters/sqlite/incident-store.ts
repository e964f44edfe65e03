import type { Statement } from "better-sqlite3";
import { EVENT_RETENTION_SECONDS } from "../../events/event-time.ts";
import type { BatchTransaction } from "../../incidents/process-in-transaction.ts";
import type { IncidentRecord } from "../../incidents/record.ts";
import type { Claim, EventKey, IncidentFilter, IncidentStore } from "../../incidents/store.ts";
import { type Db, epochSeconds } from "./database.ts";

/** Rows written, by kind, for `GET /_local/stats` and the bench. */
export type WriteCounts = { event: number; incident: number; other: number };

type ClaimRow = { token: string | null; message_id: string | null; expires_at: number };
type IncidentRow = { version: number; record: string; expires_at: number | null };

const NOT_EXPIRED = "(expires_at IS NULL OR expires_at > @now)";

/** A version conflict inside a batch transaction: someone wrote the incident since it was read. */
export class IncidentMoved extends Error {
  override name = "IncidentMoved";
}

/**
 * Incidents and counted event ids in SQLite: the record as a JSON document, beside the columns
 * the queries need. The async methods are the IncidentStore port (the API and the sweeper); the
 * synchronous ones run inside a batch transaction (`processInTransaction`).
 */
export class SqliteIncidentStore implements IncidentStore {
  readonly writes: WriteCounts = { event: 0, incident: 0, other: 0 };
  private readonly sql;
  /** One statement per combination of filters, prepared once. */
  private readonly lists = new Map<
    string,
    Statement<Record<string, string | number>, IncidentRow>
  >();

  constructor(private readonly db: Db) {
    this.sql = {
      // An expired claim is as good as none: DynamoDB's TTL may not have deleted it yet either.
      // Positional parameters: one claim per event, and binding an object costs as much again.
      claim: db.prepare<[string, string, string | null, string | null, number, number]>(
        `INSERT INTO claims (source, id, token, message_id, expires_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (source, id) DO UPDATE SET token = excluded.token,
           message_id = excluded.message_id, expires_at = excluded.expires_at
         WHERE claims.expires_at <= ?`,
      ),
      claimOf: db.prepare<[string, string], ClaimRow>(
        "SELECT token, message_id, expires_at FROM claims WHERE source = ? AND id = ?",
      ),
      reclaim: db.prepare(
        `UPDATE claims SET token = @to
         WHERE source = @source AND id = @id AND (token = @from OR token = @to)`,
      ),
      get: db.prepare<[string], IncidentRow>(
        "SELECT version, record, expires_at FROM incidents WHERE id = ?",
      ),
      insert: db.prepare(
        `INSERT INTO incidents (id, version, status, account_id, provider, category, last_seen,
           due_at, expires_at, record)
         VALUES (@id, @version, @status, @account_id, @provider, @category, @last_seen, @due_at,
           @expires_at, @record)
         ON CONFLICT (id) DO UPDATE SET version = excluded.version, status = excluded.status,
           account_id = excluded.account_id, provider = excluded.provider,
           category = excluded.category, last_seen = excluded.last_seen, due_at = excluded.due_at,
           expires_at = excluded.expires_at, record = excluded.record
         WHERE incidents.expires_at <= @now`,
      ),
      update: db.prepare(
        `UPDATE incidents SET version = @version, status = @status, account_id = @account_id,
           provider = @provider, category = @category, last_seen = @last_seen, due_at = @due_at,
           expires_at = @expires_at, record = @record
         WHERE id = @id AND version = @expected`,
      ),
      due: db.prepare<{ due: number; now: number; limit: number }, IncidentRow>(
        `SELECT version, record, expires_at FROM incidents
         WHERE due_at IS NOT NULL AND due_at <= @due AND ${NOT_EXPIRED}
         ORDER BY due_at LIMIT @limit`,
      ),
      openForAccount: db.prepare<{ account: string; now: number }, IncidentRow>(
        `SELECT version, record, expires_at FROM incidents
         WHERE due_at IS NOT NULL AND account_id = @account AND ${NOT_EXPIRED} ORDER BY due_at`,
      ),
    };
  }

  async claimEvent(key: EventKey, claim: { token: string; message_id: string }): Promise<Claim> {
    if (this.claimNow(key, claim.token, claim.message_id)) return { status: "claimed" };
    const row = this.sql.claimOf.get(key.source, key.id);
    // Our own earlier try of the same claim (as the SDK may retry one) counts as ours.
    if (row?.token === claim.token && row?.message_id === claim.message_id) {
      return { status: "claimed" };
    }
    return {
      status: "duplicate",
      token: row?.token ?? undefined,
      message_id: row?.message_id ?? undefined,
      claimed_at: row ? row.expires_at - EVENT_RETENTION_SECONDS : undefined,
    };
  }

  async reclaimEvent(key: EventKey, from: string, to: string): Promise<boolean> {
    this.writes.event += 1;
    return this.sql.reclaim.run({ ...key, from, to }).changes === 1;
  }

  async getIncident(id: string): Promise<IncidentRecord | undefined> {
    return this.read(id);
  }

  async saveIncident(record: IncidentRecord, expectedVersion: number | undefined) {
    return this.write(record, expectedVersion);
  }

  async dueIncidents(nowEpoch: number, limit: number): Promise<IncidentRecord[]> {
    return this.records(this.sql.due.all({ due: nowEpoch, now: epochSeconds(), limit }));
  }

  async openIncidentsForAccount(accountId: string): Promise<IncidentRecord[]> {
    return this.openForAccount(accountId);
  }

  async listIncidents(filter: IncidentFilter): Promise<IncidentRecord[]> {
    const where = [NOT_EXPIRED];
    const params: Record<string, string | number> = { now: epochSeconds(), limit: filter.limit };
    for (const field of ["status", "account_id", "provider", "category"] as const) {
      const value = filter[field];
      if (value === undefined) continue;
      where.push(`${field} = @${field}`);
      params[field] = value;
    }
    // Provider incidents stand under a reserved account id (outage-hold.ts), as on DynamoDB.
    if (filter.scope !== undefined)
      where.push(
        `substr(account_id, 1, 9) ${filter.scope === "provider" ? "=" : "!="} 'provider:'`,
      );
    if (filter.after !== undefined) {
      where.push("(last_seen < @after_seen OR (last_seen = @after_seen AND id < @after_id))");
      params.after_seen = filter.after.last_seen;
      params.after_id = filter.after.id;
    }
    const sql = `SELECT version, record, expires_at FROM incidents WHERE ${where.join(" AND ")}
      ORDER BY last_seen DESC, id DESC LIMIT @limit`;
    let statement = this.lists.get(sql);
    if (!statement) {
      statement = this.db.prepare<Record<string, string | number>, IncidentRow>(sql);
      this.lists.set(sql, statement);
    }
    return this.records(statement.all(params));
  }

  /** The synchronous half of a batch transaction; the caller adds `publish` and holds it open. */
  inTransaction(token: string): Omit<BatchTransaction, "publish"> {
    return {
      claim: (key) => this.claimNow(key, token, null),
      getIncident: (id) => this.read(id),
      openIncidentsForAccount: (accountId) => this.openForAccount(accountId),
      saveIncident: (record, expectedVersion) => {
        if (!this.write(record, expectedVersion)) {
          throw new IncidentMoved(`incident ${record.id} changed during the batch`);
        }
      },
    };
  }

  private claimNow(key: EventKey, token: string | null, messageId: string | null): boolean {
    const now = epochSeconds();
    this.writes.event += 1;
    const expires = now + EVENT_RETENTION_SECONDS;
    return this.sql.claim.run(key.source, key.id, token, messageId, expires, now).changes === 1;
  }

  private read(id: string): IncidentRecord | undefined {
    const row = this.sql.get.get(id);
    if (!row || (row.expires_at !== null && row.expires_at <= epochSeconds())) return undefined;
    return parse(row);
  }

  private openForAccount(accountId: string): IncidentRecord[] {
    return this.records(this.sql.openForAccount.all({ account: accountId, now: epochSeconds() }));
  }

  private write(record: IncidentRecord, expectedVersion: number | undefined): boolean {
    const version = (expectedVersion ?? 0) + 1;
    const row = {
      id: record.id,
      version,
      status: record.status,
      account_id: record.account.id,
      provider: record.provider,
      category: record.category,
      last_seen: record.last_seen,
      // The domain sets due_at exactly while the incident is open: that puts it in the index.
      due_at: record.due_at ?? null,
      expires_at: record.expires_at ?? null,
      record: JSON.stringify({ ...record, version }),
      // One literal for both statements (each takes the names it uses): binding a spread copy costs.
      now: epochSeconds(),
      expected: expectedVersion ?? 0,
    };
    this.writes.incident += 1;
    const result =
      expectedVersion === undefined ? this.sql.insert.run(row) : this.sql.update.run(row);
    return result.changes === 1;
  }

  private records(rows: IncidentRow[]): IncidentRecord[] {
    return rows.map(parse);
  }
}

function parse(row: IncidentRow): IncidentRecord {
  return { ...(JSON.parse(row.record) as IncidentRecord), version: row.version };
}
