import {
  ConfirmedAtOnce,
  type EmailOutbox,
  type OutboxEmail,
} from "../../notify/email-subscriptions.ts";
import type { Db } from "./database.ts";

/**
 * Email on one machine, in SQLite: subscriptions are confirmed at once (there is no SNS to send
 * a link), and every email that would have been sent is kept, the newest `max` of them.
 */
export class SqliteEmailOutbox extends ConfirmedAtOnce implements EmailOutbox {
  private readonly sql;

  constructor(
    db: Db,
    private readonly max = 1_000,
  ) {
    super();
    this.sql = {
      add: db.prepare("INSERT INTO emails (email) VALUES (?)"),
      trim: db.prepare("DELETE FROM emails WHERE seq <= (SELECT max(seq) FROM emails) - ?"),
      list: db.prepare<[number], { email: string }>(
        "SELECT email FROM emails ORDER BY seq DESC LIMIT ?",
      ),
    };
  }

  async add(email: OutboxEmail): Promise<void> {
    this.sql.add.run(JSON.stringify(email));
    this.sql.trim.run(this.max);
  }

  async list(): Promise<OutboxEmail[]> {
    return this.sql.list.all(this.max).map((row) => JSON.parse(row.email) as OutboxEmail);
  }
}
