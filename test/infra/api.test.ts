/** The HTTP API: which route reaches which function. */
import { expect, inject, it } from "vitest";
import { ROUTES, routeKeys } from "../../shared/api/route.ts";
import { Deployment } from "./support/deployment.ts";

const dev = new Deployment(inject("dev"));
const api = dev.childOf<aws.apigatewayv2.ApiArgs>("Api", "aws:apigatewayv2/api:Api");

/** Route key -> the handler of the function its integration invokes. */
function routes(): Record<string, string> {
  const integrations = dev.all<aws.apigatewayv2.IntegrationArgs>(
    "aws:apigatewayv2/integration:Integration",
  );
  return Object.fromEntries(
    dev.all<aws.apigatewayv2.RouteArgs>("aws:apigatewayv2/route:Route").map((route) => {
      const integration = integrations.find((i) => route.inputs.target === `integrations/${i.id}`);
      return [
        route.inputs.routeKey,
        dev.functionByArn(integration?.inputs.integrationUri).build.handler,
      ];
    }),
  );
}

it("routes the webhooks to ingest and every admin route the API function serves to it", () => {
  const handlers = { ingest: "functions/ingest.handler", admin: "functions/api.handler" };
  expect(routes()).toEqual(
    Object.fromEntries(routeKeys().map((key) => [key, handlers[ROUTES[key].service]])),
  );
  expect(routes()["POST /webhooks/{source}"]).toBe("functions/ingest.handler");
  expect(routes()["GET /incidents"]).toBe("functions/api.handler");
});

it("lets API Gateway invoke every function it routes to, from this API only", () => {
  for (const handler of new Set(Object.values(routes()))) {
    const fn = dev.function(handler);
    const permissions = dev
      .all<aws.lambda.PermissionArgs>("aws:lambda/permission:Permission")
      .filter((p) => p.inputs.function === fn.lambda.state.arn)
      .filter((p) => p.inputs.principal !== "*" || !isFunctionUrlAccess(p.inputs));
    expect(permissions.length, handler).toBeGreaterThan(0);
    for (const p of permissions) {
      expect(p.inputs, handler).toMatchObject({
        action: "lambda:InvokeFunction",
        principal: "apigateway.amazonaws.com",
      });
      expect(String(p.inputs.sourceArn), handler).toMatch(`${api.state.executionArn}/`);
    }
  }
});

it("allows no browser origins: servers call it, not web pages", () => {
  expect(api.inputs.corsConfiguration?.allowOrigins ?? []).toEqual([]);
});

it("throttles every route of the stage, burst and rate, so a flood is refused at the edge", () => {
  const [stage] = dev.all<aws.apigatewayv2.StageArgs>("aws:apigatewayv2/stage:Stage");
  const settings = stage?.inputs.defaultRouteSettings as
    | { throttlingBurstLimit?: number; throttlingRateLimit?: number }
    | undefined;
  expect(settings?.throttlingBurstLimit).toBeGreaterThan(0);
  expect(settings?.throttlingRateLimit).toBeGreaterThan(0);
});

/** What a public function URL needs: invoking through the URL, and only through it. */
function isFunctionUrlAccess(p: aws.lambda.PermissionArgs): boolean {
  return (
    (p.action === "lambda:InvokeFunctionUrl" && p.functionUrlAuthType === "NONE") ||
    (p.action === "lambda:InvokeFunction" && p.invokedViaFunctionUrl === true)
  );
}

it("takes webhooks at ingest's own function URL, throttled by its reserved concurrency", () => {
  const urls = dev.all<aws.lambda.FunctionUrlArgs>("aws:lambda/functionUrl:FunctionUrl");
  const ingest = dev.function("functions/ingest.handler");
  // The signature is the authentication; no browser origin may call it.
  expect(urls.map((u) => [u.inputs.functionName, u.inputs.authorizationType])).toEqual([
    [ingest.lambda.state.name, "NONE"],
  ]);
  expect(urls[0]?.inputs.cors ?? undefined).toBeUndefined();
  expect(ingest.lambda.inputs.reservedConcurrentExecutions).toBeGreaterThan(0);
  // Nobody but the URL's callers gets "*": every other function stays private.
  const open = dev
    .all<aws.lambda.PermissionArgs>("aws:lambda/permission:Permission")
    .filter((p) => p.inputs.principal === "*");
  expect(open.length).toBe(2);
  for (const p of open) {
    expect(p.inputs.function).toBe(ingest.lambda.state.name);
    expect(isFunctionUrlAccess(p.inputs)).toBe(true);
  }
});
