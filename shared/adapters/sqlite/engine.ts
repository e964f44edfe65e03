import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { SqliteAlertOutbox } from "./alert-outbox.ts";
import { cleanUp } from "./cleanup.ts";
import { SqliteCursorStore } from "./cursor-store.ts";
import { DATABASE_FILE, type DatabaseOptions, openDatabase } from "./database.ts";
import { SqliteEmailOutbox } from "./email-outbox.ts";
import { SqliteEventQueue } from "./event-queue.ts";
import { SqliteIncidentStore } from "./incident-store.ts";
import { SqliteMuteStore } from "./mute-store.ts";
import { SqliteSubscriptionStore } from "./subscription-store.ts";
import { WalSync } from "./wal-sync.ts";

export type SqliteEngine = ReturnType<typeof openSqliteEngine>;

/**
 * Every port of the single-node engine over one database file in `dataDir`: incidents, claims,
 * the events queue, the alerts outbox, subscriptions, mutes, cursors and the email outbox.
 * `subscribers` names who the outbox owes each notice to.
 */
export function openSqliteEngine(
  dataDir: string,
  subscribers: string[],
  options: DatabaseOptions = {},
) {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, DATABASE_FILE);
  const db = openDatabase(path, options);
  const wal = new WalSync(`${path}-wal`);
  return {
    db,
    queue: new SqliteEventQueue(db, wal),
    incidents: new SqliteIncidentStore(db),
    outbox: new SqliteAlertOutbox(db, subscribers),
    subscriptions: new SqliteSubscriptionStore(db),
    mutes: new SqliteMuteStore(db),
    cursors: new SqliteCursorStore(db),
    emails: new SqliteEmailOutbox(db),
    cleanUp: (nowMs?: number) => cleanUp(db, nowMs),
    close: () => {
      wal.close();
      db.close();
    },
  };
}
