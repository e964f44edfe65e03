import { addressOf } from "../shared/notify/email-address.ts";
import { alertSubscriber, type Permission } from "./alerts.ts";
import { FUNCTION_MEMORY_MB, megabytes } from "./function-sizes.ts";
import { table } from "./storage.ts";

/**
 * Email through Amazon SES, when EMAIL_FROM is set at deploy time (`Quirkwatch
 * <alerts@example.com>`, on a domain verified in SES; see docs/deploying.md). The email notifier
 * sends each notice to every email subscription, and the API sends "send test" messages. Both
 * may send only as that domain's identity (and through SES_CONFIGURATION_SET when it is set).
 * Without EMAIL_FROM, email subscriptions stay SNS email subscriptions on the Alerts topic.
 */
export const emailFrom = process.env.EMAIL_FROM?.trim() || undefined;
const configurationSet = process.env.SES_CONFIGURATION_SET?.trim() || undefined;

/** `Quirkwatch <alerts@example.com>` -> `example.com`: the identity SES verified. */
function domainOf(from: string): string {
  const domain = addressOf(from).split("@")[1]?.trim();
  if (!domain)
    throw new Error(`EMAIL_FROM must be an address, e.g. alerts@example.com (got ${from})`);
  return domain.toLowerCase();
}

const region = aws.getRegionOutput().region;
const account = aws.getCallerIdentityOutput().accountId;

/** The environment and permission a function needs to send as EMAIL_FROM; empty without it. */
export const emailSending: { environment: Record<string, string>; permissions: Permission[] } =
  emailFrom
    ? {
        environment: {
          EMAIL_FROM: emailFrom,
          ...(configurationSet ? { SES_CONFIGURATION_SET: configurationSet } : {}),
        },
        permissions: [
          {
            actions: ["ses:SendEmail"],
            resources: [
              $interpolate`arn:aws:ses:${region}:${account}:identity/${domainOf(emailFrom)}`,
              ...(configurationSet
                ? [
                    $interpolate`arn:aws:ses:${region}:${account}:configuration-set/${configurationSet}`,
                  ]
                : []),
            ],
          },
        ],
      }
    : { environment: {}, permissions: [] };

export const notifyEmail = emailFrom
  ? alertSubscriber(
      "NotifyEmail",
      {
        handler: "functions/notify-email.handler",
        memory: megabytes(FUNCTION_MEMORY_MB.notifyEmail),
        timeout: "30 seconds",
        link: [table],
        environment: emailSending.environment,
      },
      emailSending.permissions,
    )
  : undefined;
