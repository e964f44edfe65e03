import nodemailer from "nodemailer";
import type { EmailResult, EmailSender, OutgoingEmail } from "../../notify/email-sender.ts";

/**
 * Email through an SMTP server (nodemailer): `smtp://user:pass@host:587` upgrades to TLS when the
 * server offers STARTTLS, `smtps://user:pass@host:465` is TLS from the start. Each message is one
 * multipart/alternative (text and HTML) to one recipient; every step is bounded in time.
 */

const TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 };

/** `SMTP at mail.example.com:587`: where, never who or the password. */
export function describeSmtpUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const port = parsed.port || (parsed.protocol === "smtps:" ? "465" : "587");
    return `SMTP${parsed.protocol === "smtps:" ? "S" : ""} at ${parsed.hostname}:${port}`;
  } catch {
    return "SMTP (an unreadable SMTP_URL)";
  }
}

/** Checks SMTP_URL's shape; the message names what is wrong, never the URL (it holds a password). */
export function checkSmtpUrl(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "SMTP_URL is not a URL: expected smtp://user:pass@host:587 or smtps://user:pass@host:465";
  }
  if (parsed.protocol !== "smtp:" && parsed.protocol !== "smtps:")
    return `SMTP_URL must start with smtp:// or smtps:// (got ${parsed.protocol}//)`;
  if (!parsed.hostname) return "SMTP_URL has no host";
  return undefined;
}

type SmtpError = Error & { responseCode?: number; code?: string };

export class SmtpEmailSender implements EmailSender {
  readonly name: string;
  private readonly transport: ReturnType<typeof nodemailer.createTransport>;

  constructor(url: string) {
    this.name = describeSmtpUrl(url);
    this.transport = nodemailer.createTransport({ url, ...TIMEOUTS });
  }

  async send(email: OutgoingEmail): Promise<EmailResult> {
    try {
      await this.transport.sendMail({
        from: email.from,
        to: email.to,
        subject: email.subject,
        text: email.text,
        html: email.html,
        messageId: email.messageId,
        headers: email.headers,
      });
      return { status: "sent" };
    } catch (error) {
      const e = error as SmtpError;
      const reason = `${e.responseCode ?? e.code ?? "error"}: ${e.message}`.slice(0, 500);
      // A 5xx to this recipient or message is final; a refused login, 4xx and lost connections
      // are the server's or ours and may pass: those are retried.
      const final =
        (e.code === "EENVELOPE" || e.code === "EMESSAGE") && (e.responseCode ?? 0) >= 500;
      return final ? { status: "rejected", reason } : { status: "failed", reason };
    }
  }

  close(): void {
    this.transport.close();
  }
}
