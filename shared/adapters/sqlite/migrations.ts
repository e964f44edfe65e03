/**
 * The schema of each file, one migration per version (`PRAGMA user_version`, counted per file).
 * Never edit a released one: add the next. Records are JSON documents beside the columns queries
 * need, so fields added to a record pass through untouched.
 */

/** quirkwatch.db: everything but the events queue. */
export const MIGRATIONS: string[] = [
  `
  -- The last queue.db seq processed: committed with the batch that processed it.
  CREATE TABLE queue_progress (id INTEGER PRIMARY KEY CHECK (id = 1),
    processed_through INTEGER NOT NULL);
  INSERT INTO queue_progress VALUES (1, 0);
  -- Queued events the processor could not read; kept, never dropped.
  CREATE TABLE dead_events (seq INTEGER PRIMARY KEY, body TEXT NOT NULL, error TEXT NOT NULL,
    at TEXT NOT NULL);

  -- Counted event ids: a redelivery within the retention is never counted twice.
  CREATE TABLE claims (source TEXT NOT NULL, id TEXT NOT NULL, token TEXT, message_id TEXT,
    expires_at INTEGER NOT NULL, PRIMARY KEY (source, id)) WITHOUT ROWID;
  CREATE INDEX claims_expiry ON claims (expires_at);

  -- due_at is set exactly while the incident is open (the domain decides).
  CREATE TABLE incidents (id TEXT PRIMARY KEY, version INTEGER NOT NULL, status TEXT NOT NULL,
    account_id TEXT NOT NULL, provider TEXT NOT NULL, category TEXT NOT NULL,
    last_seen TEXT NOT NULL, due_at INTEGER, expires_at INTEGER, record TEXT NOT NULL);
  CREATE INDEX incidents_due ON incidents (due_at) WHERE due_at IS NOT NULL;
  CREATE INDEX incidents_open_account ON incidents (account_id) WHERE due_at IS NOT NULL;
  CREATE INDEX incidents_recent ON incidents (last_seen);
  CREATE INDEX incidents_account_recent ON incidents (account_id, last_seen);
  CREATE INDEX incidents_expiry ON incidents (expires_at) WHERE expires_at IS NOT NULL;

  CREATE TABLE subscriptions (id TEXT PRIMARY KEY, kind TEXT NOT NULL, created_at TEXT NOT NULL,
    subscription TEXT NOT NULL);
  -- ends_at in epoch milliseconds.
  CREATE TABLE mutes (id TEXT PRIMARY KEY, created_at TEXT NOT NULL, ends_at INTEGER NOT NULL,
    mute TEXT NOT NULL);
  CREATE INDEX mutes_end ON mutes (ends_at);
  CREATE TABLE cursors (name TEXT PRIMARY KEY, value TEXT NOT NULL);

  -- One row per (notice, subscriber) until delivered or dead-lettered; due_at in epoch ms.
  CREATE TABLE outbox (notice_id TEXT NOT NULL, subscriber TEXT NOT NULL, notice TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0, due_at INTEGER NOT NULL, last_error TEXT,
    PRIMARY KEY (notice_id, subscriber));
  CREATE INDEX outbox_due ON outbox (subscriber, due_at);
  CREATE TABLE dead_deliveries (notice_id TEXT NOT NULL, subscriber TEXT NOT NULL,
    notice TEXT NOT NULL, attempts INTEGER NOT NULL, error TEXT NOT NULL, at TEXT NOT NULL,
    PRIMARY KEY (notice_id, subscriber));

  -- The emails SNS would have sent (no SNS on one machine): GET /outbox.
  CREATE TABLE emails (seq INTEGER PRIMARY KEY, email TEXT NOT NULL);
  `,
  `
  -- The digest budget (notify/digest.ts): every notice counted per destination and minute;
  -- those over the budget keep their entry until the minute's digest is sent.
  CREATE TABLE digest_notices (destination TEXT NOT NULL, notice_id TEXT NOT NULL,
    minute INTEGER NOT NULL, folded INTEGER NOT NULL, entry TEXT,
    PRIMARY KEY (destination, notice_id)) WITHOUT ROWID;
  CREATE INDEX digest_notices_minute ON digest_notices (destination, minute, folded);
  -- Digests owed: one per destination and minute, claimed until lease_until (epoch ms).
  CREATE TABLE digests (destination TEXT NOT NULL, minute INTEGER NOT NULL,
    lease_until INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (destination, minute)) WITHOUT ROWID;
  -- The latest notice of each incident that went into a digest (id.generation.seq).
  CREATE TABLE digest_folds (incident_id TEXT PRIMARY KEY, notice TEXT NOT NULL) WITHOUT ROWID;
  `,
];

/** queue.db: accepted events, appended by the HTTP thread, read by the processor. */
export const QUEUE_MIGRATIONS: string[] = [
  `
  -- AUTOINCREMENT: a seq is never used again once its row is deleted, so a new event never
  -- falls at or below the processed mark (queue_progress in quirkwatch.db) and gets skipped.
  CREATE TABLE queue (seq INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL);
  `,
];
