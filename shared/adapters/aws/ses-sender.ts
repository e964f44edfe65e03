import {
  BadRequestException,
  MessageRejected,
  NotFoundException,
  type SESv2Client,
  SendEmailCommand,
} from "@aws-sdk/client-sesv2";
import type { EmailResult, EmailSender, OutgoingEmail } from "../../notify/email-sender.ts";

/**
 * Email through Amazon SES v2 `SendEmail`: one message per recipient (so a test reaches one
 * subscriber), from EMAIL_FROM on the verified identity, text and HTML, with the configuration
 * set when one is configured. SES sets its own Message-ID; the notice's goes in a header of ours
 * (`X-Quirkwatch-Message-Id`) so a retried delivery is still recognisable.
 */
export class SesEmailSender implements EmailSender {
  readonly name = "Amazon SES";

  constructor(
    private readonly client: SESv2Client,
    private readonly options: { configurationSet?: string } = {},
  ) {}

  async send(email: OutgoingEmail): Promise<EmailResult> {
    const headers = { ...email.headers, "X-Quirkwatch-Message-Id": email.messageId };
    try {
      await this.client.send(
        new SendEmailCommand({
          FromEmailAddress: email.from,
          Destination: { ToAddresses: [email.to] },
          Content: {
            Simple: {
              Subject: { Data: email.subject, Charset: "UTF-8" },
              Body: {
                Text: { Data: email.text, Charset: "UTF-8" },
                Html: { Data: email.html, Charset: "UTF-8" },
              },
              Headers: Object.entries(headers).map(([Name, Value]) => ({ Name, Value })),
            },
          },
          ...(this.options.configurationSet
            ? { ConfigurationSetName: this.options.configurationSet }
            : {}),
        }),
      );
      return { status: "sent" };
    } catch (error) {
      const reason = `${(error as Error).name}: ${(error as Error).message}`.slice(0, 500);
      // This message, as it is, will never be accepted (in the sandbox: an unverified recipient).
      if (
        error instanceof MessageRejected ||
        error instanceof BadRequestException ||
        error instanceof NotFoundException
      ) {
        return { status: "rejected", reason };
      }
      // Throttling, a paused account, an unverified sender domain: fixable, so retried.
      return { status: "failed", reason };
    }
  }
}
