/** The dashboard: built at deploy time and shipped inside the API function, which serves GET /. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, inject, it } from "vitest";
import { ROOT } from "../../scripts/sst-platform/prepare-platform.ts";
import { Deployment } from "./support/deployment.ts";
import { evaluate } from "./support/evaluate.ts";

const dev = new Deployment(inject("dev"));

it("ships the built page in the API function and tells it where the page is", () => {
  const api = dev.function("functions/api.handler");
  expect(api.build.packageFiles).toContain("page/index.html");
  expect(api.lambda.inputs.environment?.variables).toMatchObject({
    QUIRKWATCH_PAGE_DIR: "/var/task/page",
  });
  const page = readFileSync(join(ROOT, "dist/page/index.html"), "utf8");
  expect(page).toMatch(/^<!doctype html>/i);
  expect(page).toMatch(/Content-Security-Policy/);
});

it("passes the re-auth link template to the API, for the page's Copy re-auth link", async () => {
  const template = "https://app.example.com/integrations/{account_id}/reconnect";
  const deployment = await evaluate({ stage: "dev", env: { REAUTH_URL_TEMPLATE: template } });
  expect(
    deployment.function("functions/api.handler").lambda.inputs.environment?.variables,
  ).toMatchObject({ REAUTH_URL_TEMPLATE: template });
});
