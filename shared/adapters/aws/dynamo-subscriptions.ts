import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import type { SubscriptionFilter } from "../../notify/filter.ts";
import type { Subscription, SubscriptionKind } from "../../notify/subscription.ts";
import type { SubscriptionStore } from "../../notify/subscription-store.ts";
import { DynamoCollection } from "./dynamo-collection.ts";

/** Subscriptions in the one table: `SUB#<id>` / `SUB`, listed through `byType`. */
export class DynamoSubscriptionStore implements SubscriptionStore {
  private readonly subscriptions: DynamoCollection<Subscription>;

  constructor(client: DynamoDBClient, table: string) {
    this.subscriptions = new DynamoCollection(client, table, "SUB", "subscription");
  }

  create(subscription: Subscription): Promise<void> {
    return this.subscriptions.create(subscription);
  }

  get(id: string): Promise<Subscription | undefined> {
    return this.subscriptions.get(id);
  }

  list(kind?: SubscriptionKind): Promise<Subscription[]> {
    return this.subscriptions.list(
      kind && {
        expression: "#kind = :kind",
        names: { "#kind": "kind" },
        values: { ":kind": { S: kind } },
      },
    );
  }

  remove(id: string): Promise<Subscription | undefined> {
    return this.subscriptions.remove(id);
  }

  updateFilter(id: string, filter: SubscriptionFilter): Promise<Subscription | undefined> {
    return this.subscriptions.update(id, {
      UpdateExpression: "SET #filter = :filter",
      ExpressionAttributeNames: { "#filter": "filter" },
      ExpressionAttributeValues: {
        ":filter": { M: marshall(filter, { removeUndefinedValues: true }) },
      },
    });
  }

  async markBroken(id: string, reason: string, at: string): Promise<boolean> {
    const marked = await this.subscriptions.update(id, {
      UpdateExpression: "SET broken_reason = :reason, broken_at = :at",
      condition: "attribute_not_exists(broken_reason)",
      ExpressionAttributeValues: { ":reason": { S: reason }, ":at": { S: at } },
    });
    return marked !== undefined;
  }
}
