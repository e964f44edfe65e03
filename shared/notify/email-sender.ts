/**
 * Sending one email to one recipient: SMTP on one machine (adapters/smtp), Amazon SES when
 * deployed (adapters/aws/ses-sender.ts). What is sent is built by email-message.ts.
 */

export type OutgoingEmail = {
  /** `Quirkwatch <alerts@example.com>` or a bare address, on a domain the sender may use. */
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** `<...@domain>`, derived from the notice and subscription: a retry carries the same one. */
  messageId: string;
  /** Extra headers (List-Unsubscribe, the notice id). */
  headers: Record<string, string>;
};

export type EmailResult =
  | { status: "sent" }
  /** Refused for good (a bad address, an unverified sender): trying again sends nothing. */
  | { status: "rejected"; reason: string }
  /** May work later (the server is down, a rate limit): try again. */
  | { status: "failed"; reason: string };

export interface EmailSender {
  /** How the sender is named in logs and the banner, without credentials (`SMTP at host:587`). */
  readonly name: string;
  send(email: OutgoingEmail): Promise<EmailResult>;
}
