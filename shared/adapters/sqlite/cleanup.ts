import { type Db, epochSeconds } from "./database.ts";

/** Rows deleted per statement, so one clean-up never holds the writer for long. */
const CHUNK = 5_000;

export type Cleaned = { claims: number; incidents: number; mutes: number; digests: number };

/**
 * The engine's TTL: deletes counted-event claims past their retention, resolved incidents past
 * `expires_at` and ended mutes. Reads already skip them; this gives the room back.
 */
export function cleanUp(db: Db, nowMs = Date.now()): Cleaned {
  const now = epochSeconds(nowMs);
  const chunked = (sql: string, at: number) => {
    const statement = db.prepare(sql);
    let total = 0;
    for (;;) {
      const { changes } = statement.run(at, CHUNK);
      total += changes;
      if (changes < CHUNK) return total;
    }
  };
  return {
    claims: chunked(
      `DELETE FROM claims WHERE (source, id) IN
         (SELECT source, id FROM claims WHERE expires_at <= ? LIMIT ?)`,
      now,
    ),
    incidents: chunked(
      `DELETE FROM incidents WHERE rowid IN
         (SELECT rowid FROM incidents WHERE expires_at <= ? LIMIT ?)`,
      now,
    ),
    mutes: chunked(
      "DELETE FROM mutes WHERE rowid IN (SELECT rowid FROM mutes WHERE ends_at <= ? LIMIT ?)",
      nowMs,
    ),
    // A day of the digest budget's counts is plenty: a minute's digest is sent a minute later.
    digests: chunked(
      `DELETE FROM digest_notices WHERE (destination, notice_id) IN
         (SELECT destination, notice_id FROM digest_notices WHERE minute <= ? LIMIT ?)`,
      Math.floor(nowMs / 60_000) - 24 * 60,
    ),
  };
}
