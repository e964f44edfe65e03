import { randomUUID } from "node:crypto";
import { startDynalite } from "../../scripts/local/dynalite.ts";
import { createTable } from "../../shared/adapters/aws/create-table.ts";
import { createDynamoClient } from "../../shared/adapters/aws/dynamo-client.ts";
import { DynamoCursorStore } from "../../shared/adapters/aws/dynamo-cursors.ts";
import { DynamoMuteStore } from "../../shared/adapters/aws/dynamo-mutes.ts";
import { DynamoIncidentStore } from "../../shared/adapters/aws/dynamo-store.ts";
import { DynamoSubscriptionStore } from "../../shared/adapters/aws/dynamo-subscriptions.ts";
import type { MuteStore } from "../../shared/incidents/mute.ts";
import type { IncidentStore } from "../../shared/incidents/store.ts";
import type { SubscriptionStore } from "../../shared/notify/subscription-store.ts";
import type { CursorStore } from "../../shared/sources/cursor-store.ts";

/** The stores of one engine, on fresh, empty storage. */
export type Stores = {
  incidents: IncidentStore;
  subscriptions: SubscriptionStore;
  mutes: MuteStore;
  cursors: CursorStore;
};

/** An engine the contract suite runs against: `fresh()` gives empty stores each time. */
export type Engine = { name: string; fresh(): Promise<Stores>; close(): Promise<void> };

/** DynamoDB, through dynalite: each `fresh()` is a table of its own. */
export async function dynamoEngine(): Promise<Engine> {
  const dynamo = await startDynalite();
  const client = createDynamoClient(dynamo.endpoint);
  return {
    name: "dynamodb",
    async fresh() {
      const table = `quirkwatch-${randomUUID()}`;
      await createTable(client, table);
      return {
        incidents: new DynamoIncidentStore(client, table),
        subscriptions: new DynamoSubscriptionStore(client, table),
        mutes: new DynamoMuteStore(client, table),
        cursors: new DynamoCursorStore(client, table),
      };
    },
    async close() {
      client.destroy();
      await dynamo.close();
    },
  };
}

/** Every engine; each contract test file runs its tests once per engine. */
export const ENGINES: (() => Promise<Engine>)[] = [dynamoEngine];
