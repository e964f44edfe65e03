import { MemoryBus } from "../../server/dynamodb/memory-bus.ts";
import { MemoryEmailOutbox } from "../../server/local-email.ts";
import { DynamoSubscriptionStore } from "../../shared/adapters/aws/dynamo-subscriptions.ts";
import type { ApiDeps } from "../../shared/api/admin-api.ts";
import { systemClock } from "../../shared/clock.ts";
import type { TestDynamo } from "./dynamo.ts";

/**
 * The admin API's dependencies on a fresh table, with an in-process alerts topic and, unless
 * given, subscriptions in the same table with email as the local stack has it.
 */
export async function apiDeps(
  dynamo: TestDynamo,
  given: Partial<ApiDeps>,
): Promise<ApiDeps & { bus: MemoryBus }> {
  const { store, mutes, table } = await dynamo.freshStores();
  return {
    store,
    mutes,
    bus: new MemoryBus(),
    page: () => "<!doctype html>",
    adminToken: undefined,
    clock: systemClock,
    subscriptions: {
      subscriptions: new DynamoSubscriptionStore(dynamo.client, table),
      email: new MemoryEmailOutbox(),
      allowLocalUrls: false,
    },
    ...given,
  } as ApiDeps & { bus: MemoryBus };
}
