import { randomUUID } from "node:crypto";
import type { SNSEvent } from "aws-lambda";
import { snsEntries } from "../../shared/adapters/aws/sns-bus.ts";
import type { Incident } from "../../shared/incidents/incident.ts";
import type { Notice } from "../../shared/incidents/notice.ts";
import { emailsFor } from "../../shared/notify/email.ts";

const TOPIC = "arn:aws:sns:eu-west-1:123456789012:alerts";

/**
 * A notice (firing unless `kind` says) of Hibob's expired token at `acct_<n>`; `incident` and
 * `over` (the notice's own fields) replace what they name.
 */
export function notice(
  n = 0,
  incident: Partial<Incident> = {},
  kind: Notice["kind"] = "firing",
  over: Partial<Omit<Notice, "incident">> = {},
) {
  const value: Notice = {
    id: `inc_${n}.1.1.${kind}`,
    kind,
    created_at: "2024-05-01T12:05:00.000Z",
    ...over,
    incident: {
      id: `inc_${n}`,
      account: { id: `acct_${n}`, name: "Acme Corp" },
      provider: "hibob",
      rule_id: "hibob.token_expired",
      category: "reauth_required",
      severity: "error",
      must_act: "customer",
      customer: {
        title: "Your Hibob connection needs to be reconnected",
        what_happened: "Hibob no longer accepts the sign-in this connection uses.",
        remediation: ["Reconnect Hibob from the integrations page."],
      },
      status: "firing",
      title: "Hibob service user token expired",
      what_happened: "Hibob no longer accepts the token.",
      remediation: ["Reconnect Hibob"],
      retryable: false,
      count: 3,
      first_seen: "2024-05-01T12:00:00.000Z",
      last_seen: "2024-05-01T12:05:00.000Z",
      request_ids: ["req_1"],
      messages: ["401 token expired"],
      provider_messages: ["token expired at hibob"],
      ...incident,
    },
  };
  return value;
}

/**
 * The event Lambda gets from the alerts topic for these notices: each record's message is the
 * `lambda` body of the internal message the SNS bus publishes (the notifiers' subscriptions take
 * only that one).
 */
export function snsEvent(...notices: Notice[]): SNSEvent {
  return {
    Records: notices.map((n, i) => {
      const [entry] = snsEntries(n, i, emailsFor);
      if (entry === undefined) throw new Error("the SNS bus published nothing");
      return {
        EventVersion: "1.0",
        EventSubscriptionArn: `${TOPIC}:sub`,
        EventSource: "aws:sns",
        Sns: {
          SignatureVersion: "2",
          Timestamp: n.created_at,
          Signature: "sig",
          SigningCertUrl: "https://sns.example/cert.pem",
          MessageId: randomUUID(),
          Message: JSON.parse(entry.Message ?? "{}").lambda,
          MessageAttributes: {},
          Type: "Notification",
          UnsubscribeUrl: "https://sns.example/unsubscribe",
          TopicArn: TOPIC,
          Subject: entry.Subject ?? "",
        },
      };
    }),
  };
}
