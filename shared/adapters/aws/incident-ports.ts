import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { SNSClient } from "@aws-sdk/client-sns";
import { alertsTopicArn, tableName } from "../../config.ts";
import { DynamoMuteStore } from "./dynamo-mutes.ts";
import { DynamoIncidentStore } from "./dynamo-store.ts";
import { type NoticeEmails, SnsAlertBus } from "./sns-bus.ts";

/**
 * What every deployed function that changes incidents works on: the incidents and mutes in the
 * table, and the alerts topic. The emails for each notice are the domain's, passed in.
 */
export function incidentPorts(dynamo: DynamoDBClient, sns: SNSClient, emails: NoticeEmails) {
  return {
    store: new DynamoIncidentStore(dynamo, tableName()),
    mutes: new DynamoMuteStore(dynamo, tableName()),
    bus: new SnsAlertBus(sns, alertsTopicArn(), emails),
  };
}
