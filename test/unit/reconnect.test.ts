import { chmodSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RECONNECT_SECRET_FILE, reconnectSecretIn } from "../../server/reconnect-secret.ts";
import { fixedClock } from "../../shared/clock.ts";
import type { Notice } from "../../shared/incidents/notice.ts";
import {
  offersReconnect,
  ReconnectLinks,
  redactReconnectLinks,
} from "../../shared/incidents/reconnect-links.ts";
import { checkToken, signToken } from "../../shared/incidents/reconnect-token.ts";
import { noticeLink } from "../../shared/incidents/reconnect-trail.ts";
import type { PendingNotice } from "../../shared/incidents/record.ts";
import { renderEmail } from "../../shared/notify/email.ts";
import { renderSlack } from "../../shared/notify/slack.ts";
import { reconnectRoute } from "../../shared/reconnect/click.ts";
import { reconnectSettingsFrom } from "../../shared/reconnect/configured.ts";
import { reconnectPage } from "../../shared/reconnect/page.ts";
import { RateLimiter } from "../../shared/reconnect/rate-limit.ts";
import { httpRequest } from "../support/api.ts";
import { incidentRecord } from "../support/factories.ts";
import { notice as sharedNotice } from "../support/notices.ts";

const SECRET = "unit-test-reconnect-secret-0123456789";
const NOW = 1_800_000_000;
const claims = { incident: "inc_abc-1", generation: 2, expires: NOW + 3600 };

describe("the reconnect token", () => {
  it("names the incident, its occurrence and the expiry, and checks them", () => {
    const token = signToken(SECRET, claims);
    expect(checkToken(SECRET, token, NOW)).toEqual({ status: "valid", claims });
    expect(checkToken(SECRET, token, NOW + 3600)).toEqual({ status: "expired", claims });
    expect(checkToken("another-secret-of-enough-length-0000", token, NOW)).toEqual({
      status: "invalid",
    });
  });

  it("refuses every altered token: any character changed, cut or added", () => {
    const token = signToken(SECRET, claims);
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
    fc.assert(
      fc.property(
        fc.nat(token.length - 1),
        fc.constantFrom(...alphabet),
        fc.constantFrom("replace", "cut", "insert"),
        (at, char, how) => {
          const altered =
            how === "replace"
              ? `${token.slice(0, at)}${char}${token.slice(at + 1)}`
              : how === "cut"
                ? `${token.slice(0, at)}${token.slice(at + 1)}`
                : `${token.slice(0, at)}${char}${token.slice(at)}`;
          fc.pre(altered !== token);
          expect(checkToken(SECRET, altered, NOW).status).toBe("invalid");
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it("never throws on input from anyone, and accepts none of it", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 600 }), (text) => {
        expect(checkToken(SECRET, text, NOW).status).toBe("invalid");
      }),
      { numRuns: 2_000 },
    );
    // Well-formed, signed, but not our claims.
    const payload = Buffer.from('{"i":"../etc","g":1,"e":1}').toString("base64url");
    expect(checkToken(SECRET, `v1.${payload}.${"A".repeat(43)}`, NOW).status).toBe("invalid");
  });
});

describe("when links are offered", () => {
  it("offers them where a reconnect is the customer's fix", () => {
    expect(offersReconnect({ category: "reauth_required", must_act: "customer" })).toBe(true);
    expect(offersReconnect({ category: "missing_permissions", must_act: "customer" })).toBe(true);
    // Our own API key's scopes, a rate limit: a reconnect is not the fix.
    expect(offersReconnect({ category: "missing_permissions", must_act: "us" })).toBe(false);
    expect(offersReconnect({ category: "rate_limited", must_act: "customer" })).toBe(false);
  });

  it("says why there are none: the key, the public URL, the secret", () => {
    const base = { apiKeySet: true, secret: SECRET, publicUrl: "https://qw.example", days: 7 };
    expect(reconnectSettingsFrom({ ...base, apiKeySet: false })).toEqual({
      off: expect.stringContaining("STACKONE_API_KEY"),
    });
    expect(reconnectSettingsFrom({ ...base, publicUrl: undefined })).toEqual({
      off: expect.stringContaining("PUBLIC_URL"),
    });
    expect(reconnectSettingsFrom({ ...base, secret: undefined })).toEqual({
      off: expect.stringContaining("ReconnectSecret"),
    });
    expect(reconnectSettingsFrom(base)).toEqual({
      settings: { secret: SECRET, publicUrl: "https://qw.example", ttlSeconds: 7 * 86_400 },
    });
  });

  it("offers none over a public URL that would send the link in clear over a network", () => {
    const base = { apiKeySet: true, secret: SECRET, days: 7 };
    for (const publicUrl of [
      "http://qw.example",
      "ftp://qw.example",
      "qw.example",
      "https://x/?a=1",
    ]) {
      expect(reconnectSettingsFrom({ ...base, publicUrl })).toEqual({
        off: expect.stringContaining("https://"),
      });
    }
    expect(reconnectSettingsFrom({ ...base, publicUrl: "http://127.0.0.1:3000" })).toHaveProperty(
      "settings",
    );
  });

  it("puts a link in firing and reminder notices only", () => {
    const links = new ReconnectLinks({
      secret: SECRET,
      publicUrl: "https://qw.example/",
      ttlSeconds: 60,
    });
    const record = incidentRecord("inc_x", { category: "reauth_required", must_act: "customer" });
    const pending = (kind: PendingNotice["kind"]) =>
      ({ id: "n", kind, created_at: "2026-01-01T00:00:00.000Z", owner: "t" }) as PendingNotice;
    expect(noticeLink(record, pending("firing"), links)).toMatch(
      /^https:\/\/qw\.example\/reconnect\/v1\./,
    );
    expect(noticeLink(record, pending("reminder"), links)).toEqual(expect.any(String));
    expect(noticeLink(record, pending("resolved"), links)).toBeUndefined();
    expect(noticeLink(record, pending("firing"), undefined)).toBeUndefined();
    expect(noticeLink({ ...record, must_act: "us" }, pending("firing"), links)).toBeUndefined();
  });

  it("takes every link out of a line before it is printed", () => {
    const line = "Reconnect Hibob: https://qw.example/reconnect/v1.abc.def\nnext";
    expect(redactReconnectLinks(line)).toBe(
      "Reconnect Hibob: https://qw.example/reconnect/[link]\nnext",
    );
  });
});

describe("the single node's reconnect secret", () => {
  it("is made once, readable by this user only, and kept", () => {
    const dir = mkdtempSync(join(tmpdir(), "qw-reconnect-"));
    const first = reconnectSecretIn(dir);
    expect(first.length).toBeGreaterThanOrEqual(32);
    const path = join(dir, RECONNECT_SECRET_FILE);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(reconnectSecretIn(dir)).toBe(first);
    chmodSync(path, 0o644);
    expect(reconnectSecretIn(dir)).toBe(first);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    writeFileSync(path, "short");
    expect(() => reconnectSecretIn(dir)).toThrow(/delete it/);
  });
});

describe("the reconnect route", () => {
  const request = (token: string, ip = "203.0.113.9") =>
    httpRequest("GET /reconnect/{token}", { params: { token }, sourceIp: ip });
  const store = { getIncident: async () => undefined } as never;

  it("is bounded per caller: past the limit, a page says to wait", async () => {
    const deps = { store, limiter: new RateLimiter(3, 60_000), clock: fixedClock(new Date(0)) };
    const statuses: (number | undefined)[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await reconnectRoute(request("x"), deps)).statusCode);
    expect(statuses).toEqual([404, 404, 404, 429, 429]);
    // Another caller is not held back by the first.
    expect((await reconnectRoute(request("x", "198.51.100.1"), deps)).statusCode).toBe(404);
  });

  it("escapes what it shows of the incident", () => {
    const page = reconnectPage("deleted", { provider: "<script>x</script>", account: 'A "B" & C' });
    expect(page.body).not.toContain("<script>x");
    expect(page.body).toContain("&lt;script&gt;");
    expect(page.body).toContain("A &quot;B&quot; &amp; C");
    expect(page.headers?.["content-security-policy"]).toMatch(/default-src 'none'/);
  });
});

describe("rendering the link", () => {
  /** Hibob rejected Acme GmbH's credentials, with the notice's reconnect link if given. */
  const notice = (reconnect_url?: string): Notice =>
    sharedNotice(
      0,
      {
        id: "inc_r",
        account: { id: "acc_1", name: "Acme GmbH" },
        rule_id: "stackone.401",
        severity: "critical",
        customer: {
          title: "Your Hibob connection needs to be reconnected",
          what_happened: "Hibob no longer accepts the connection's credentials.",
          remediation: ["Reconnect Hibob."],
        },
        title: "Credentials rejected",
        what_happened: "Rejected.",
        remediation: ["Ask the customer to reconnect."],
        count: 1,
        request_ids: [],
        messages: [],
        provider_messages: [],
      },
      "firing",
      { id: "inc_r.1.1.firing", created_at: "2026-01-01T00:00:00.000Z", reconnect_url },
    );
  const URL_ = "https://qw.example/reconnect/v1.eyJ9.sig";

  it("is a button in every customer channel and for on-call, and absent without a link", () => {
    const customerEmail = renderEmail(notice(URL_), "customer");
    expect(customerEmail.body).toContain(`Reconnect Hibob: ${URL_}`);
    expect(customerEmail.html).toContain(`<a href="${URL_}"`);
    expect(customerEmail.html).toContain(">Reconnect Hibob</a>");
    expect(renderEmail(notice(URL_), "internal").body).toContain(URL_);
    const customerSlack = JSON.stringify(renderSlack(notice(URL_), { audience: "customer" }));
    expect(customerSlack).toContain(`"text":"Reconnect Hibob"`);
    expect(customerSlack).toContain(`"url":"${URL_}"`);
    expect(JSON.stringify(renderSlack(notice(URL_)))).toContain(`"url":"${URL_}"`);

    for (const rendered of [
      JSON.stringify(renderEmail(notice(), "customer")),
      JSON.stringify(renderEmail(notice(), "internal")),
      JSON.stringify(renderSlack(notice(), { audience: "customer" })),
      JSON.stringify(renderSlack(notice())),
    ]) {
      expect(rendered).not.toContain("/reconnect/");
    }
  });
});
