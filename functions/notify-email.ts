import "../shared/adapters/aws/sst-links.ts";
import { SESv2Client } from "@aws-sdk/client-sesv2";
import type { Context, SNSEvent } from "aws-lambda";
import { createDynamoClient } from "../shared/adapters/aws/dynamo-client.ts";
import { DynamoSubscriptionStore } from "../shared/adapters/aws/dynamo-subscriptions.ts";
import {
  type NotifierFunctionDeps,
  notifierHandler,
} from "../shared/adapters/aws/notifier-function.ts";
import { SesEmailSender } from "../shared/adapters/aws/ses-sender.ts";
import { emailFrom, sesConfigurationSet, tableName } from "../shared/config.ts";
import { EmailNotifier } from "../shared/notify/email-notifier.ts";
import type { EmailSender } from "../shared/notify/email-sender.ts";

/**
 * The email notifier, subscribed to the alerts topic when EMAIL_FROM is set: sends each notice
 * through SES, one message per matching email subscription, in its audience's words, through the
 * retry stage. What is still owed throws, and the dead-letter queue keeps it.
 */

export type NotifyEmailDeps = NotifierFunctionDeps & { sender: EmailSender; from: string };

export function createHandler(deps: NotifyEmailDeps) {
  return notifierHandler(new EmailNotifier(deps), deps);
}

let deployed: ReturnType<typeof createHandler> | undefined;
export const handler = (event: SNSEvent, context: Context) => {
  deployed ??= createHandler({
    subscriptions: new DynamoSubscriptionStore(createDynamoClient(), tableName()),
    sender: new SesEmailSender(new SESv2Client({}), { configurationSet: sesConfigurationSet() }),
    from: required(emailFrom()),
  });
  return deployed(event, context);
};

function required(from: string | undefined): string {
  if (from === undefined) throw new Error("Quirkwatch is not configured: EMAIL_FROM is not set");
  return from;
}
