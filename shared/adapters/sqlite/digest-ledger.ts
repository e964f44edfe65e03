import type { DigestEntry, DigestLedger, DueDigest } from "../../notify/digest.ts";
import { DIGEST_LEASE_MS, noticePrefix } from "../../notify/digest.ts";
import type { Db } from "./database.ts";

/** The digest budget in quirkwatch.db (notify/digest.ts). The engine's worker is its one writer. */
export class SqliteDigestLedger implements DigestLedger {
  private readonly sql;

  constructor(private readonly db: Db) {
    this.sql = {
      insert: db.prepare<[string, string, number]>(
        "INSERT OR IGNORE INTO digest_notices (destination, notice_id, minute, folded) VALUES (?, ?, ?, 0)",
      ),
      decision: db.prepare<[string, string], { folded: number }>(
        "SELECT folded FROM digest_notices WHERE destination = ? AND notice_id = ?",
      ),
      position: db.prepare<[string, number], { n: number }>(
        "SELECT count(*) AS n FROM digest_notices WHERE destination = ? AND minute = ?",
      ),
      fold: db.prepare<[string, string, string]>(
        "UPDATE digest_notices SET folded = 1, entry = ? WHERE destination = ? AND notice_id = ?",
      ),
      owe: db.prepare<[string, number]>(
        "INSERT OR IGNORE INTO digests (destination, minute) VALUES (?, ?)",
      ),
      mark: db.prepare<[string, string]>(
        `INSERT INTO digest_folds (incident_id, notice) VALUES (?, ?)
         ON CONFLICT (incident_id) DO UPDATE SET notice = excluded.notice`,
      ),
      due: db.prepare<[number, number, number], DueDigest>(
        "SELECT destination, minute FROM digests WHERE minute < ? AND lease_until <= ? ORDER BY minute LIMIT ?",
      ),
      lease: db.prepare<[number, string, number]>(
        "UPDATE digests SET lease_until = ? WHERE destination = ? AND minute = ?",
      ),
      entries: db.prepare<[string, number], { entry: string }>(
        "SELECT entry FROM digest_notices WHERE destination = ? AND minute = ? AND folded = 1",
      ),
      done: db.prepare<[string, number]>(
        "DELETE FROM digests WHERE destination = ? AND minute = ?",
      ),
      marks: db.prepare<[string], { incident_id: string; notice: string }>(
        "SELECT incident_id, notice FROM digest_folds WHERE incident_id IN (SELECT value FROM json_each(?))",
      ),
    };
  }

  async admit(destination: string, minute: number, entry: DigestEntry, budget: number) {
    return this.db.transaction((): "send" | "fold" => {
      if (this.sql.insert.run(destination, entry.notice_id, minute).changes === 0)
        return this.sql.decision.get(destination, entry.notice_id)?.folded ? "fold" : "send";
      const position = this.sql.position.get(destination, minute)?.n ?? 0;
      if (position <= budget) return "send";
      this.sql.fold.run(JSON.stringify(entry), destination, entry.notice_id);
      this.sql.owe.run(destination, minute);
      this.sql.mark.run(entry.incident_id, noticePrefix(entry.notice_id));
      return "fold";
    })();
  }

  async claimDue(minute: number, nowMs: number, limit: number): Promise<DueDigest[]> {
    return this.db.transaction(() => {
      const due = this.sql.due.all(minute, nowMs, limit);
      for (const d of due) this.sql.lease.run(nowMs + DIGEST_LEASE_MS, d.destination, d.minute);
      return due;
    })();
  }

  async entries(digest: DueDigest): Promise<DigestEntry[]> {
    return this.sql.entries
      .all(digest.destination, digest.minute)
      .map((row) => JSON.parse(row.entry) as DigestEntry);
  }

  async done(digest: DueDigest): Promise<void> {
    this.sql.done.run(digest.destination, digest.minute);
  }

  async folded(prefixes: string[]): Promise<Set<string>> {
    const byIncident = new Map(prefixes.map((p) => [p.slice(0, p.indexOf(".")), p]));
    const rows = this.sql.marks.all(JSON.stringify([...byIncident.keys()]));
    return new Set(
      rows.filter((r) => byIncident.get(r.incident_id) === r.notice).map((r) => r.notice),
    );
  }
}
