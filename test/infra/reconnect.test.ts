/**
 * Reconnect links deployed: `GET /reconnect/{token}` reaches the API function with no authorizer
 * (the signed token is the credential), and every function that publishes notices can sign
 * links: the ReconnectSecret, the API's URL, and whether StackOne's key is set, never the key.
 */
import { describe, expect, inject, it } from "vitest";
import { Deployment } from "./support/deployment.ts";
import { evaluate, REQUIRED_SECRETS } from "./support/evaluate.ts";

const dev = new Deployment(inject("dev"));
const PUBLISHERS = [
  "functions/process.handler",
  "functions/sweep.handler",
  "functions/api.handler",
];

describe("reconnect links, deployed", () => {
  it("route GET /reconnect/{token} to the API function, open to customers' browsers", () => {
    const routes = dev.all<aws.apigatewayv2.RouteArgs>("aws:apigatewayv2/route:Route");
    const route = routes.find((r) => r.inputs.routeKey === "GET /reconnect/{token}");
    expect(route).toBeDefined();
    expect(route?.inputs.authorizationType ?? "NONE").toBe("NONE");
    const integration = dev
      .all<aws.apigatewayv2.IntegrationArgs>("aws:apigatewayv2/integration:Integration")
      .find((i) => route?.inputs.target === `integrations/${i.id}`);
    expect(dev.functionByArn(integration?.inputs.integrationUri).build.handler).toBe(
      "functions/api.handler",
    );
  });

  it("let every function that publishes notices sign links with the secret and the API's URL", () => {
    for (const handler of PUBLISHERS) {
      expect(dev.function(handler).build.links, handler).toEqual(
        expect.arrayContaining(["ReconnectSecret", "Api"]),
      );
    }
    // The key itself stays with the functions that call StackOne.
    for (const handler of ["functions/process.handler", "functions/sweep.handler"]) {
      expect(dev.function(handler).build.links, handler).not.toContain("StackoneApiKey");
    }
    expect(dev.function("functions/api.handler").build.links).toContain("StackoneApiKey");
  });

  it("tells them StackOne's key is set, and the link lifetime when given, without the key", async () => {
    const unset = dev.function("functions/process.handler").lambda.inputs.environment?.variables;
    expect(unset?.STACKONE_API_KEY_SET).toBe("");
    expect(unset).not.toHaveProperty("RECONNECT_LINK_DAYS");

    const deployed = await evaluate({
      stage: "dev",
      env: { RECONNECT_LINK_DAYS: "3" },
      secrets: { ...REQUIRED_SECRETS, StackoneApiKey: "the-key", ReconnectSecret: "s" },
    });
    for (const handler of PUBLISHERS) {
      const variables = deployed.function(handler).lambda.inputs.environment?.variables;
      expect(variables, handler).toMatchObject({
        STACKONE_API_KEY_SET: "1",
        RECONNECT_LINK_DAYS: "3",
      });
      expect(JSON.stringify(variables), handler).not.toContain("the-key");
    }
  });

  it("need no ReconnectSecret to deploy: without it, alerts carry no link", () => {
    const secrets = dev.all("sst:sst:Secret").map((s) => s.name);
    expect(secrets).toContain("ReconnectSecret");
    expect(REQUIRED_SECRETS).not.toHaveProperty("ReconnectSecret");
  });
});
