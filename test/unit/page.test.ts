import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { createHandler } from "../../functions/api.ts";
import { buildPage } from "../../scripts/build-page.ts";
import { apiDeps, apiEvent as request } from "../support/api.ts";

describe("GET /", () => {
  it("serves the page without the token, while every other route still asks for it", async () => {
    const api = createHandler(apiDeps({ adminToken: "t", page: () => "<p>hi" }));
    const page = await api(request("GET /"));
    expect(page.statusCode).toBe(200);
    expect(page.headers).toMatchObject({
      "content-type": "text/html; charset=utf-8",
      "x-frame-options": "DENY",
    });
    expect(page.body).toBe("<p>hi");
    expect((await api(request("GET /mutes"))).statusCode).toBe(401);
  });

  it("answers 503 when the deployment has no page", async () => {
    const api = createHandler(apiDeps({ page: () => undefined }));
    const answer = await api(request("GET /"));
    expect(answer.statusCode).toBe(503);
    expect(JSON.parse(answer.body ?? "").error).toMatch(/not built/);
  });

  it("is read from the function's package when deployed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "quirkwatch-page-"));
    writeFileSync(join(dir, "index.html"), "<!doctype html><title>Quirkwatch</title>");
    vi.stubEnv("QUIRKWATCH_PAGE_DIR", dir);
    vi.stubEnv("ADMIN_TOKEN", "t");
    vi.stubEnv("TABLE_NAME", "quirkwatch");
    vi.stubEnv("ALERTS_TOPIC_ARN", "arn:aws:sns:eu-west-1:123456789012:alerts");
    vi.stubEnv("AWS_REGION", "eu-west-1");
    try {
      const { handler } = await import("../../functions/api.ts");
      const answer = await handler(request("GET /"));
      expect(answer).toMatchObject({
        statusCode: 200,
        body: "<!doctype html><title>Quirkwatch</title>",
      });
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe("the built page", () => {
  it("is one file whose inline script and style its own policy allows by hash, and nothing else", async () => {
    const html = await buildPage();
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? "";
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/script-src 'sha256-[\w+/=]+'/);
    expect(csp).toMatch(/connect-src 'self'/);
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+stylesheet/);
    expect(html.match(/<script>/g)).toHaveLength(1);
  });
});
