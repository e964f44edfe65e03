import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SmtpEmailSender } from "../../shared/adapters/smtp/smtp-sender.ts";
import { openDatabase } from "../../shared/adapters/sqlite/database.ts";
import { MIGRATIONS } from "../../shared/adapters/sqlite/migrations.ts";
import { SqliteSubscriptionStore } from "../../shared/adapters/sqlite/subscription-store.ts";
import { systemClock } from "../../shared/clock.ts";
import type { Notice } from "../../shared/incidents/notice.ts";
import { createLogger } from "../../shared/log.ts";
import { EmailNotifier } from "../../shared/notify/email-notifier.ts";
import { DeliveryFailed, deliver, RecentDeliveries } from "../../shared/notify/retry-stage.ts";
import type { Subscription } from "../../shared/notify/subscription.ts";
import { notice } from "../support/notices.ts";
import {
  header,
  part,
  SMTP_USER,
  startSmtpServer,
  type TestSmtpServer,
} from "../support/smtp-server.ts";

/** Email through nodemailer to a real SMTP server on 127.0.0.1, as `npm start` sends it. */

const FROM = "Quirkwatch <alerts@quirkwatch.example>";
let smtp: TestSmtpServer;
let dir: string;
let db: ReturnType<typeof openDatabase>;
let subscriptions: SqliteSubscriptionStore;
let sender: SmtpEmailSender;
const logged: string[] = [];

const subscription = (id: string, target: string, audience?: "customer"): Subscription => ({
  id,
  kind: "email",
  target,
  filter: audience ? { audience } : {},
  created_at: "2024-05-01T00:00:00.000Z",
  sns_subscription_arn: `arn:quirkwatch:email:${id}`,
});

function deps(overrides: { sender?: SmtpEmailSender; recent?: RecentDeliveries } = {}) {
  return {
    notifier: new EmailNotifier({ sender: overrides.sender ?? sender, from: FROM }),
    subscriptions: subscriptions,
    recent: overrides.recent ?? new RecentDeliveries(),
    log: createLogger(({ message, fields }) => logged.push(`${message} ${JSON.stringify(fields)}`)),
    // One attempt: what the retry stage would try again is what these tests look at.
    policy: { attempts: 1, baseMs: 1 },
    clock: systemClock,
  };
}

/** The retry stage with the email notifier, as both engines run it. */
const notifyEmail = (notices: Notice[], { notifier, ...rest }: ReturnType<typeof deps>) =>
  deliver(notices, notifier, rest);

beforeAll(async () => {
  smtp = await startSmtpServer();
  sender = new SmtpEmailSender(smtp.url);
  dir = mkdtempSync(join(tmpdir(), "quirkwatch-smtp-"));
  db = openDatabase(join(dir, "quirkwatch.db"), MIGRATIONS);
  subscriptions = new SqliteSubscriptionStore(db);
  await subscriptions.create(subscription("sub_oncall", "oncall@example.com"));
  await subscriptions.create(subscription("sub_hr", "hr@customer.example", "customer"));
});

afterAll(async () => {
  sender?.close();
  db?.close();
  rmSync(dir, { recursive: true, force: true });
  await smtp?.close();
});

beforeEach(() => {
  smtp.received.length = 0;
  smtp.refuse.clear();
  logged.length = 0;
});

describe("email through SMTP", () => {
  it("sends each subscriber one multipart message in its audience's words, logged in", async () => {
    const firing = notice(1, {
      last_error: {
        status: 401,
        method: "GET",
        path: "/unified/hris/employees",
        provider_message: "Service user token was revoked <b>now</b>",
        request_id: "req_1",
        at: "2024-05-01T12:05:00.000Z",
      },
    });
    await notifyEmail([firing], deps());
    const received = await smtp.waitFor(2);
    const byRecipient = Object.fromEntries(received.map((m) => [m.to.join(","), m]));
    const customer = byRecipient["hr@customer.example"];
    const internal = byRecipient["oncall@example.com"];
    if (!customer || !internal) throw new Error("a recipient got nothing");

    for (const message of [customer, internal]) {
      expect(message.user).toBe(SMTP_USER);
      expect(message.from).toBe("alerts@quirkwatch.example");
      expect(header(message.raw, "from")).toBe("Quirkwatch <alerts@quirkwatch.example>");
      expect(header(message.raw, "content-type")).toMatch(/^multipart\/alternative;/);
    }
    expect(header(customer.raw, "subject")).toBe(
      "Hibob · Acme Corp: Your Hibob connection needs to be reconnected",
    );
    expect(header(customer.raw, "message-id")).toBe("<inc_1.1.1.firing.sub_hr@quirkwatch.example>");
    expect(header(customer.raw, "list-unsubscribe")).toBe(
      "<mailto:alerts@quirkwatch.example?subject=unsubscribe%20sub_hr>",
    );
    const text = part(customer.raw, "text/plain") ?? "";
    const html = part(customer.raw, "text/html") ?? "";
    expect(text).toContain('Hibob said: "Service user token was revoked <b>now</b>"');
    expect(html).toContain("Service user token was revoked &lt;b&gt;now&lt;/b&gt;");
    for (const internalWord of ["hibob.token_expired", "req_1", "/unified/", "acct_1"]) {
      expect(text + html).not.toContain(internalWord);
    }

    expect(header(internal.raw, "subject")).toMatch(/^\[error\] reauth_required: /);
    expect(part(internal.raw, "text/plain")).toContain("Rule: hibob.token_expired");
    expect(part(internal.raw, "text/plain")).toContain("Request id: req_1");
  });

  it("sends a retried notice with the same Message-ID, and only to whom it did not reach", async () => {
    const recent = new RecentDeliveries();
    const firing = notice(2);
    await notifyEmail([firing], deps({ recent }));
    await notifyEmail([firing], deps({ recent }));
    expect(smtp.received).toHaveLength(2);

    // A new process knows nothing of what was sent: the same message goes again, recognisable.
    await notifyEmail([firing], deps());
    const ids = smtp.received.map((m) => `${m.to}: ${header(m.raw, "message-id")}`).sort();
    expect(ids).toEqual([
      "hr@customer.example: <inc_2.1.1.firing.sub_hr@quirkwatch.example>",
      "hr@customer.example: <inc_2.1.1.firing.sub_hr@quirkwatch.example>",
      "oncall@example.com: <inc_2.1.1.firing.sub_oncall@quirkwatch.example>",
      "oncall@example.com: <inc_2.1.1.firing.sub_oncall@quirkwatch.example>",
    ]);
  });

  it("does not retry a recipient the server refuses for good, and says so", async () => {
    smtp.refuse.add("hr@customer.example");
    await notifyEmail([notice(3)], deps());
    expect(smtp.received.map((m) => m.to)).toEqual([["oncall@example.com"]]);
    expect(logged.join("\n")).toMatch(/email refused; not retried .*"subscription":"sub_hr".*550/);
    expect(logged.join("\n")).not.toContain("hr@customer.example");
  });

  it("throws for a retry when the server cannot be reached or refuses the login", async () => {
    const down = new SmtpEmailSender("smtp://127.0.0.1:1");
    await expect(notifyEmail([notice(4)], deps({ sender: down }))).rejects.toThrow(DeliveryFailed);
    down.close();
    const wrongPassword = new SmtpEmailSender(smtp.url.replace("s3cret", "wrong"));
    const failure = notifyEmail([notice(4)], deps({ sender: wrongPassword }));
    await expect(failure).rejects.toThrow(/EAUTH|535/);
    await expect(failure).rejects.not.toThrow(/s3cret|wrong%20pass/);
    wrongPassword.close();
    expect(smtp.received).toEqual([]);
  });

  it("skips email subscriptions SNS delivers", async () => {
    await subscriptions.create({
      ...subscription("sub_sns", "legacy@example.com"),
      sns_subscription_arn: "arn:aws:sns:eu-west-1:123456789012:alerts:1b2c",
    });
    await notifyEmail([notice(5)], deps());
    expect(smtp.received.map((m) => m.to[0]).sort()).toEqual([
      "hr@customer.example",
      "oncall@example.com",
    ]);
    await subscriptions.remove("sub_sns");
  });
});
