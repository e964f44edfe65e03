import { join } from "node:path";
import { SqliteAlertOutbox } from "./alert-outbox.ts";
import { cleanUp } from "./cleanup.ts";
import { SqliteCursorStore } from "./cursor-store.ts";
import { DATABASE_FILE, type DatabaseOptions, openDatabase, QUEUE_FILE } from "./database.ts";
import { SqliteDigestLedger } from "./digest-ledger.ts";
import { SqliteEmailOutbox } from "./email-outbox.ts";
import { SqliteIncidentStore } from "./incident-store.ts";
import { MIGRATIONS } from "./migrations.ts";
import { SqliteMuteStore } from "./mute-store.ts";
import { ensurePrivateDir } from "./private-files.ts";
import { SqliteQueueConsumer } from "./queue-consumer.ts";
import { SqliteSubscriptionStore } from "./subscription-store.ts";
import { WalSync } from "./wal-sync.ts";

export type SqliteStores = ReturnType<typeof openSqliteStores>;

/**
 * Every port of the single-node engine but the events queue, over `dataDir/quirkwatch.db`:
 * incidents, claims, the alerts outbox, subscriptions, mutes, cursors and the email outbox; and
 * the processor's reader of `dataDir/queue.db`, which must exist (`openEventQueue` makes it).
 * `subscribers` names who the outbox owes each notice to.
 */
export function openSqliteStores(
  dataDir: string,
  subscribers: string[],
  options: DatabaseOptions = {},
) {
  ensurePrivateDir(dataDir);
  const path = join(dataDir, DATABASE_FILE);
  const db = openDatabase(path, MIGRATIONS, options);
  let consumer: SqliteQueueConsumer;
  try {
    consumer = new SqliteQueueConsumer(db, join(dataDir, QUEUE_FILE));
  } catch (error) {
    db.close();
    throw error;
  }
  const wal = new WalSync(`${path}-wal`);
  return {
    db,
    /** quirkwatch.db's WAL, to sync before queue.db may forget processed rows. */
    wal,
    consumer,
    incidents: new SqliteIncidentStore(db),
    outbox: new SqliteAlertOutbox(db, subscribers),
    subscriptions: new SqliteSubscriptionStore(db),
    mutes: new SqliteMuteStore(db),
    cursors: new SqliteCursorStore(db),
    emails: new SqliteEmailOutbox(db),
    digests: new SqliteDigestLedger(db),
    cleanUp: (nowMs?: number) => cleanUp(db, nowMs),
    close: () => {
      consumer.close();
      wal.close();
      db.close();
    },
  };
}
