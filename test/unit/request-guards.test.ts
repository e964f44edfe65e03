import { afterEach, describe, expect, it, vi } from "vitest";
import { handler } from "../../functions/api.ts";
import { apiEvent } from "../support/api.ts";

/** The deployed admin API (API Gateway → Lambda) refuses what a browser must not be made to do. */

const call = (route: string, headers: Record<string, string>, body?: string) =>
  apiEvent(route, { headers, body });

afterEach(() => vi.unstubAllEnvs());

describe("the deployed admin API", () => {
  const auth = { authorization: "Bearer t", host: "api.example.com" };
  const body = JSON.stringify({ account_id: "a", duration_seconds: 60 });

  it("refuses a state change another site started, or a body that is not JSON", async () => {
    vi.stubEnv("ADMIN_TOKEN", "t");
    const status = async (headers: Record<string, string>) =>
      (await handler(call("POST /mutes", { ...auth, ...headers }, body))).statusCode;
    const json = { "content-type": "application/json", "content-length": String(body.length) };
    expect(await status({ ...json, origin: "https://evil.example" })).toBe(403);
    expect(await status({ ...json, "sec-fetch-site": "cross-site" })).toBe(403);
    expect(await status({ "content-type": "text/plain", "content-length": "10" })).toBe(415);
  });

  it("is never open: without a configured token every admin route answers 401", async () => {
    vi.stubEnv("ADMIN_TOKEN", "");
    const answer = await handler(call("GET /incidents", { host: "api.example.com" }));
    expect(answer.statusCode).toBe(401);
  });
});
