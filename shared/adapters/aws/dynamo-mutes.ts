import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { Mute, MuteStore } from "../../incidents/mute.ts";
import { DynamoCollection } from "./dynamo-collection.ts";

/**
 * Mutes in the one table: `MUTE#<id>` / `MUTE`, `type = "mute"` in `byType` (newest first), and
 * `expires_at` at the mute's end, so DynamoDB's TTL deletes ended mutes (reads filter them first).
 */
export class DynamoMuteStore implements MuteStore {
  private readonly mutes: DynamoCollection<Mute>;

  constructor(client: DynamoDBClient, table: string) {
    this.mutes = new DynamoCollection(client, table, "MUTE", "mute");
  }

  create(mute: Mute): Promise<void> {
    return this.mutes.create(mute, { expires_at: Math.ceil(Date.parse(mute.ends_at) / 1000) });
  }

  async active(now: Date): Promise<Mute[]> {
    const listed = await this.mutes.list({
      expression: "expires_at > :now",
      values: { ":now": { N: String(Math.floor(now.getTime() / 1000)) } },
    });
    return listed.filter((mute) => Date.parse(mute.ends_at) > now.getTime());
  }

  remove(id: string): Promise<Mute | undefined> {
    return this.mutes.remove(id);
  }
}
