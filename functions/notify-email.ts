import "../shared/adapters/aws/sst-links.ts";
import { SESv2Client } from "@aws-sdk/client-sesv2";
import type { SNSEvent } from "aws-lambda";
import { createDynamoClient } from "../shared/adapters/aws/dynamo-client.ts";
import { DynamoSubscriptionStore } from "../shared/adapters/aws/dynamo-subscriptions.ts";
import { SesEmailSender } from "../shared/adapters/aws/ses-sender.ts";
import { emailFrom, sesConfigurationSet, tableName } from "../shared/config.ts";
import { type Log, noticesOf, RecentDeliveries } from "../shared/notify/deliver.ts";
import { notifyEmail } from "../shared/notify/email-delivery.ts";
import type { EmailSender } from "../shared/notify/email-sender.ts";
import type { SubscriptionStore } from "../shared/notify/subscription-store.ts";

/**
 * The email notifier, subscribed to the alerts topic when EMAIL_FROM is set: sends each notice
 * through SES, one message per matching email subscription, in its audience's words. Throws when
 * a message may go later, so SNS and Lambda retry and the dead-letter queue keeps the rest.
 */

export type NotifyEmailDeps = {
  subscriptions: SubscriptionStore;
  sender: EmailSender;
  from: string;
  recent?: RecentDeliveries;
  log?: Log;
};

const logJson: Log = (message, detail) => console.error(JSON.stringify({ message, ...detail }));

export function createHandler(deps: NotifyEmailDeps) {
  const recent = deps.recent ?? new RecentDeliveries();
  return async (event: SNSEvent) => {
    await notifyEmail(noticesOf(event), { ...deps, recent, log: deps.log ?? logJson });
  };
}

let deployed: ReturnType<typeof createHandler> | undefined;
export const handler = (event: SNSEvent) => {
  deployed ??= createHandler({
    subscriptions: new DynamoSubscriptionStore(createDynamoClient(), tableName()),
    sender: new SesEmailSender(new SESv2Client({}), { configurationSet: sesConfigurationSet() }),
    from: required(emailFrom()),
  });
  return deployed(event);
};

function required(from: string | undefined): string {
  if (from === undefined) throw new Error("Quirkwatch is not configured: EMAIL_FROM is not set");
  return from;
}
