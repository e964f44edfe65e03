import {
  GetSubscriptionAttributesCommand,
  InvalidParameterException,
  NotFoundException,
  SetSubscriptionAttributesCommand,
  type SNSClient,
  SubscribeCommand,
  UnsubscribeCommand,
} from "@aws-sdk/client-sns";
import {
  type EmailConfirmation,
  EmailSubscriptionRejected,
  type EmailSubscriptions,
} from "../../notify/email-subscriptions.ts";
import type { SubscriptionFilter } from "../../notify/filter.ts";
import { snsFilterPolicy } from "./sns-filter-policy.ts";

/** SNS answers this instead of an ARN when not asked for `ReturnSubscriptionArn`. */
export const PENDING_ARN = "pending confirmation";

export class SnsEmailSubscriptions implements EmailSubscriptions {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  async subscribe(email: string, filter: SubscriptionFilter): Promise<string> {
    try {
      const result = await this.client.send(
        new SubscribeCommand({
          TopicArn: this.topicArn,
          Protocol: "email",
          Endpoint: email,
          Attributes: { FilterPolicy: JSON.stringify(snsFilterPolicy(filter)) },
          ReturnSubscriptionArn: true,
        }),
      );
      return result.SubscriptionArn ?? PENDING_ARN;
    } catch (error) {
      // e.g. "Invalid parameter: Email address", or the address already subscribed differently.
      if (error instanceof InvalidParameterException) {
        throw new EmailSubscriptionRejected(error.message);
      }
      throw error;
    }
  }

  async confirmation(arn: string): Promise<EmailConfirmation> {
    if (arn === PENDING_ARN) return "pending_confirmation";
    try {
      const { Attributes } = await this.client.send(
        new GetSubscriptionAttributesCommand({ SubscriptionArn: arn }),
      );
      return Attributes?.PendingConfirmation === "true" ? "pending_confirmation" : "confirmed";
    } catch (error) {
      if (error instanceof NotFoundException) return "unsubscribed";
      throw error;
    }
  }

  async setFilter(arn: string, filter: SubscriptionFilter): Promise<void> {
    if (arn === PENDING_ARN) {
      throw new EmailSubscriptionRejected("SNS has no ARN for it until the recipient confirms");
    }
    try {
      await this.client.send(
        new SetSubscriptionAttributesCommand({
          SubscriptionArn: arn,
          AttributeName: "FilterPolicy",
          AttributeValue: JSON.stringify(snsFilterPolicy(filter)),
        }),
      );
    } catch (error) {
      // e.g. a subscription still pending confirmation, or one the recipient removed.
      if (error instanceof InvalidParameterException || error instanceof NotFoundException) {
        throw new EmailSubscriptionRejected(error.message);
      }
      throw error;
    }
  }

  async unsubscribe(arn: string): Promise<void> {
    try {
      await this.client.send(new UnsubscribeCommand({ SubscriptionArn: arn }));
    } catch (error) {
      if (!(error instanceof NotFoundException)) throw error;
    }
  }
}
