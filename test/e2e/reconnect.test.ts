import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENGINES, type Stack } from "../../server/stack.ts";
import { ReconnectLinks } from "../../shared/incidents/reconnect-links.ts";
import { startBrowser } from "../support/browser.ts";
import { hibobRevoked } from "../support/factories.ts";
import { type Receiver, startReceiver } from "../support/http-receiver.ts";
import { sendStackone, startTestStack } from "../support/in-process-stack.ts";
import { callApi } from "../support/local-stack.ts";
import { ManualClock } from "../support/manual-clock.ts";
import {
  type StackoneConnectServer,
  startStackoneConnectServer,
} from "../support/stackone-connect-server.ts";

/**
 * One-click reconnect, end to end on each engine: a re-auth incident's notices carry the signed
 * link on every channel; a click makes one StackOne connect session (exactly as StackOne's SDK
 * would ask for it) and redirects to its hosted page; the link's other fates get a page in the
 * customer's words; the account coming back closes the loop. Every line the stack prints during
 * the run is captured, and no token is in any of them.
 */

// The page's own globals, inside page.evaluate.
declare const navigator: { clipboard: { readText(): Promise<string> } };

const RECONNECT_SECRET = "reconnect-secret-for-tests-0123456789abcdef";
const TOKEN = "reconnect-admin";
const PUBLIC_URL = "https://quirkwatch.example.test";
const INTERNAL_SLACK = "/services/T0/B0/INTERNAL";
const CUSTOMER_SLACK = "/services/T1/B1/CUSTOMER";
const HOUR_MS = 3600_000;

let slack: Receiver;
let hooks: Receiver;
let stackone: StackoneConnectServer;

/** Everything printed in this process while the tests run, besides what the stack logs. */
const printed: string[] = [];
const originals = {
  log: console.log,
  error: console.error,
  warn: console.warn,
  stdout: process.stdout.write.bind(process.stdout),
  stderr: process.stderr.write.bind(process.stderr),
};

beforeAll(async () => {
  for (const name of ["log", "error", "warn"] as const) {
    console[name] = (...args: unknown[]) => {
      printed.push(args.map(String).join(" "));
      originals[name](...args);
    };
  }
  process.stdout.write = ((chunk: unknown, ...rest: never[]) => {
    printed.push(String(chunk));
    return originals.stdout(chunk as string, ...rest);
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: unknown, ...rest: never[]) => {
    printed.push(String(chunk));
    return originals.stderr(chunk as string, ...rest);
  }) as typeof process.stderr.write;
  [slack, hooks, stackone] = await Promise.all([
    startReceiver(),
    startReceiver(),
    startStackoneConnectServer(),
  ]);
});

afterAll(async () => {
  console.log = originals.log;
  console.error = originals.error;
  console.warn = originals.warn;
  process.stdout.write = originals.stdout;
  process.stderr.write = originals.stderr;
  await Promise.all([slack?.close(), hooks?.close(), stackone?.close()]);
});

for (const engine of ENGINES)
  describe(`reconnect links (${engine})`, () => {
    let stack: Stack;
    const clock = new ManualClock(Date.now());
    const lines: string[] = [];
    /** Every reconnect link and hosted page seen in this run: none may be printed. */
    const secrets = new Set<string>();

    const api = (path: string, token: string | null = TOKEN, method = "GET", body?: unknown) =>
      callApi(stack, method, path, body, token);
    const webhook = (payload: Record<string, unknown>) =>
      sendStackone(stack, { event_date: clock.now().toISOString(), ...payload });

    /** Hibob refused `account` (named by `owner`, or not named at all) with 401. */
    const failed = (id: string, account: string, owner: Record<string, string>) =>
      webhook(
        hibobRevoked(id, clock.now(), {
          account_id: account,
          origin_owner_name: undefined,
          ...owner,
        }),
      );

    const accountEvent = (event: string, account: string, status: string) =>
      webhook({
        id: `${event}_${account}_${clock.now().getTime()}`,
        event,
        account_id: account,
        provider: "hibob",
        data: { id: account, provider: "hibob", status },
      });

    /** A click, as a browser makes it: the link's path on this stack, redirects not followed. */
    async function click(link: string) {
      secrets.add(link);
      const response = await fetch(`${stack.url}${new URL(link).pathname}`, {
        redirect: "manual",
      });
      const location = response.headers.get("location") ?? undefined;
      if (location) secrets.add(location);
      return { status: response.status, location, response, text: await response.text() };
    }

    const incidentOf = async (account: string) =>
      (await api(`/incidents?account_id=${account}`)).body.incidents[0];

    beforeAll(async () => {
      slack.reset();
      hooks.reset();
      stackone.reset();
      stackone.account("acc_9", { origin_owner_id: "org_7", origin_owner_name: "Acme GmbH" });
      stackone.account("acc_10", { origin_owner_id: "org_8", origin_owner_name: "Globex" });
      stack = await startTestStack({
        engine,
        adminToken: TOKEN,
        slackWebhookUrl: `${slack.base}${INTERNAL_SLACK}`,
        stackonePoller: {
          apiKey: stackone.key,
          apiUrl: stackone.url,
          intervalMs: 24 * HOUR_MS,
          overlapSeconds: 120,
        },
        publicUrl: PUBLIC_URL,
        reconnectSecret: RECONNECT_SECRET,
        // The receivers and StackOne's double are on 127.0.0.1.
        allowLocalUrls: true,
        log: (line) => lines.push(line),
        clock,
      });
      const subscriptions = await Promise.all([
        api("/subscriptions", TOKEN, "POST", {
          kind: "email",
          target: "it-admin@customer.example",
          filter: { audience: "customer" },
        }),
        api("/subscriptions", TOKEN, "POST", { kind: "email", target: "oncall@example.com" }),
        api("/subscriptions", TOKEN, "POST", {
          kind: "slack",
          target: `${slack.base}${CUSTOMER_SLACK}`,
          filter: { audience: "customer" },
        }),
        api("/subscriptions", TOKEN, "POST", {
          kind: "webhook",
          target: `${hooks.base}/customer`,
          filter: { audience: "customer" },
        }),
      ]);
      expect(subscriptions.map((s) => s.status)).toEqual([201, 201, 201, 201]);
    });

    afterAll(async () => {
      await stack?.close();
    });

    let link = "";

    it("says the links are on, and puts the same link in every channel of a re-auth alert", async () => {
      expect(stack.reconnect).toEqual({ on: true, days: 7 });
      await failed("evt_1", "acc_9", { origin_owner_id: "org_7", origin_owner_name: "Acme GmbH" });

      // The customer webhook: `reconnect_url` in the payload.
      const [payload, ...more] = hooks.bodies("/customer");
      expect(more).toEqual([]);
      expect(payload.kind).toBe("firing");
      link = payload.reconnect_url;
      expect(link).toMatch(/^https:\/\/quirkwatch\.example\.test\/reconnect\/v1\.[\w-]+\.[\w-]+$/);
      secrets.add(link);

      // Internal Slack: a button on-call can forward.
      const internal = JSON.stringify(slack.bodies(INTERNAL_SLACK));
      expect(internal).toContain(`"text":"Customer's reconnect link"`);
      expect(internal).toContain(`"url":"${link}"`);
      // The customer's Slack channel: a button in their words.
      const customer = slack.bodies(CUSTOMER_SLACK)[0];
      const actions = customer.blocks.find((b: { type: string }) => b.type === "actions");
      expect(actions.elements).toEqual([
        expect.objectContaining({
          text: expect.objectContaining({ text: "Reconnect Hibob" }),
          url: link,
        }),
      ]);

      // Email: a button in the customer's, the link for on-call in ours.
      const emails = (await api("/outbox")).body.emails;
      const byAddress = Object.fromEntries(emails.map((e: { to: string }) => [e.to, e]));
      const mail = byAddress["it-admin@customer.example"];
      expect(mail.body).toContain(`Reconnect Hibob: ${link}`);
      expect(byAddress["oncall@example.com"].body).toContain(`forward it): ${link}`);
    });

    it("renders the customer email's link as a button", async () => {
      const { renderEmail } = await import("../../shared/notify/email.ts");
      const notice = hooks.bodies("/customer")[0];
      const html = renderEmail(notice, "customer").html ?? "";
      expect(html).toMatch(
        /<a href="https:\/\/quirkwatch\.example\.test\/reconnect\/v1\.[^"]+"[^>]*>Reconnect Hibob<\/a>/,
      );
    });

    it("shows the link to the admin only, and the card what happened to it", async () => {
      const listed = await incidentOf("acc_9");
      expect(listed.reconnect_link).toBe(true);
      expect(listed.reconnect.sent_at).toEqual(expect.any(String));
      expect(listed).not.toHaveProperty("reconnect_url");
      expect(JSON.stringify(listed)).not.toContain("/reconnect/");
      const one = await api(`/incidents/${listed.id}`);
      expect(one.body.reconnect_url).toMatch(/^https:\/\/quirkwatch\.example\.test\/reconnect\//);
      secrets.add(one.body.reconnect_url);
      expect((await api(`/incidents/${listed.id}`, null)).status).toBe(401);
    });

    it("makes exactly one session for the right account on a click, and redirects to it", async () => {
      const first = await click(link);
      expect(first.status).toBe(302);
      expect(first.response.headers.get("referrer-policy")).toBe("no-referrer");
      const [made, ...others] = stackone.sessions;
      expect(others).toEqual([]);
      expect(first.location).toBe(made?.auth_link_url);
      const [request] = stackone.sessionRequests();
      expect(request?.headers.authorization).toBe(
        `Basic ${Buffer.from(`${stackone.key}:`).toString("base64")}`,
      );
      expect(JSON.parse(request?.body ?? "")).toEqual({
        account_id: "acc_9",
        expires_in: 1800,
        multiple: false,
        origin_owner_id: "org_7",
        origin_owner_name: "Acme GmbH",
        provider: "hibob",
        type: "production",
      });
      const card = await incidentOf("acc_9");
      expect(card.reconnect).toMatchObject({
        opened_at: clock.now().toISOString(),
        session_id: String(made?.id),
      });
    });

    it("sends a second click within the minute to the same session", async () => {
      clock.advance(30_000);
      const again = await click(link);
      expect(again.status).toBe(302);
      expect(again.location).toBe(stackone.sessions[0]?.auth_link_url);
      expect(stackone.sessions).toHaveLength(1);
    });

    it("answers StackOne's 500 with the friendly page, and a later click works", async () => {
      clock.advance(60_000);
      stackone.fail({ status: 500 }, { status: 500 }, { status: 500 });
      const failedClick = await click(link);
      expect(failedClick.status).toBe(503);
      expect(failedClick.response.headers.get("content-type")).toMatch(/^text\/html/);
      expect(failedClick.text).toContain("We could not open the reconnect page just now");
      expect(failedClick.text).not.toMatch(/at .*\.ts:\d+|"error"|StackoneUnavailable/);
      expect(stackone.sessions).toHaveLength(1);

      const later = await click(link);
      expect(later.status).toBe(302);
      expect(stackone.sessions).toHaveLength(2);
      expect(later.location).toBe(stackone.sessions[1]?.auth_link_url);
    });

    it("answers a tampered link with a 4xx page in the customer's words", async () => {
      const token = link.slice(link.lastIndexOf("/") + 1);
      const flipped = `${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`;
      for (const bad of [
        `${PUBLIC_URL}/reconnect/${flipped}`,
        `${PUBLIC_URL}/reconnect/not-a-token`,
        `${PUBLIC_URL}/reconnect/${"v1.".padEnd(5_000, "x")}`,
      ]) {
        const answer = await click(bad);
        expect(answer.status).toBe(400);
        expect(answer.response.headers.get("content-type")).toMatch(/^text\/html/);
        expect(answer.text).toContain("This reconnect link does not work");
      }
      expect(stackone.sessions).toHaveLength(2);
    });

    it("answers an expired link with its page", async () => {
      const id = (await incidentOf("acc_9")).id;
      const old = new ReconnectLinks({
        secret: RECONNECT_SECRET,
        publicUrl: PUBLIC_URL,
        ttlSeconds: 7 * 86_400,
      }).url({ id, generation: 1 }, new Date(clock.now().getTime() - 8 * 86_400_000));
      const answer = await click(old);
      expect(answer.status).toBe(410);
      expect(answer.text).toContain("This reconnect link has expired");
      expect(answer.text).toContain("Reconnect links work for 7 days");
      expect(stackone.sessions).toHaveLength(2);
    });

    it("resolves when the account is active again, saying it was through the link", async () => {
      slack.reset();
      clock.advance(5 * 60_000);
      await accountEvent("account.updated", "acc_9", "active");
      const resolved = await incidentOf("acc_9");
      expect(resolved.status).toBe("resolved");
      expect(resolved.reconnect).toMatchObject({
        reconnected_at: clock.now().toISOString(),
        session_id: String(stackone.sessions[1]?.id),
      });
      const internal = JSON.stringify(slack.bodies(INTERNAL_SLACK));
      expect(internal).toContain("reconnected through the link");
      const emails = (await api("/outbox")).body.emails;
      const mail = emails.find(
        (e: { to: string; body: string }) =>
          e.to === "it-admin@customer.example" && e.body.includes("resolved"),
      );
      expect(mail.body).toContain("You reconnected it through the link we sent");
      const [, resolvedHook] = hooks.bodies("/customer");
      expect(resolvedHook.kind).toBe("resolved");
      expect(resolvedHook).not.toHaveProperty("reconnect_url");
      expect(resolvedHook.incident.resolution).toBe("recovery");
    });

    it("answers a resolved incident's link with its page", async () => {
      const answer = await click(link);
      expect(answer.status).toBe(410);
      expect(answer.text).toContain("Your Hibob connection is working again");
      expect(stackone.sessions).toHaveLength(2);
    });

    it("answers a deleted account's link with its page", async () => {
      // The incident does not name the owner: the click asks StackOne for the account first.
      await failed("evt_2", "acc_10", {});
      const [, second] = hooks.bodies("/customer").filter((n) => n.kind === "firing");
      const deletedLink: string = second.reconnect_url;
      // Deleted after it failed: an event no later than the incident's last one changes nothing.
      clock.advance(1_000);
      await accountEvent("account.deleted", "acc_10", "inactive");
      const answer = await click(deletedLink);
      expect(answer.status).toBe(410);
      expect(answer.text).toContain("This connection no longer exists");
    });

    it("answers an account StackOne no longer knows with the deleted page", async () => {
      await failed("evt_3", "acc_11", { origin_owner_id: "org_9", origin_owner_name: "Initech" });
      const notice = hooks.bodies("/customer").find((n) => n.incident.account.id === "acc_11");
      const answer = await click(notice.reconnect_url);
      expect(answer.status).toBe(410);
      expect(answer.text).toContain("This connection no longer exists");
    });

    it("looks the owner up at StackOne when the incident does not know it", async () => {
      stackone.account("acc_12", { origin_owner_id: "org_12", origin_owner_name: "Umbrella" });
      await failed("evt_4", "acc_12", {});
      const notice = hooks.bodies("/customer").find((n) => n.incident.account.id === "acc_12");
      const answer = await click(notice.reconnect_url);
      expect(answer.status).toBe(302);
      const last = stackone.sessionRequests().at(-1);
      expect(JSON.parse(last?.body ?? "")).toMatchObject({
        account_id: "acc_12",
        origin_owner_id: "org_12",
        origin_owner_name: "Umbrella",
      });
    });

    it.runIf(engine === "sqlite")(
      "shows on the dashboard's card what became of the link, and copies a fresh one",
      async () => {
        const browser = await startBrowser(stack.url);
        try {
          const page = await browser.page();
          await page.goto(`${stack.url}/?account=acc_12`);
          await page.getByLabel("Admin token").fill(TOKEN);
          await page.getByRole("button", { name: "Sign in" }).click();
          const card = page.locator("article.incident").first();
          await expect
            .poll(() => card.locator('[data-field="reconnect-trail"]').textContent())
            .toMatch(/Reconnect link sent .+opened /); // the test clock runs ahead of the browser
          await card.getByRole("button", { name: "Copy reconnect link" }).click();
          await expect.poll(() => card.getByRole("status").textContent()).toContain("copied");
          const copied = await page.evaluate(() => navigator.clipboard.readText());
          expect(copied).toMatch(/^https:\/\/quirkwatch\.example\.test\/reconnect\/v1\./);
          secrets.add(copied);
          // The page holds no link until asked: it is not in the list the cards come from.
          expect(await page.content()).not.toContain("/reconnect/v1.");

          await page.goto(`${stack.url}/?account=acc_9`);
          await expect
            .poll(() => page.locator(".resolved-list li").first().textContent({ timeout: 1_000 }))
            .toContain("(recovery) · reconnected through the link");
          expect(browser.errors).toEqual([]);
        } finally {
          await browser.close();
        }
      },
    );

    it("printed no reconnect token or hosted page, anywhere", () => {
      const everything = [...lines, ...printed].join("\n");
      expect(lines.some((l) => l.includes("reconnect: made a connect session"))).toBe(true);
      expect(everything).toContain("/reconnect/[link]");
      for (const secret of secrets) {
        expect(everything).not.toContain(secret.slice(secret.lastIndexOf("/") + 1));
      }
      expect(everything).not.toMatch(/\/reconnect\/v1\./);
      expect(everything).not.toContain("cst_");
    });
  });
