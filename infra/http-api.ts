/**
 * The HTTP API, made before the functions: those that put reconnect links in notices link it
 * for its URL (infra/reconnect.ts); infra/api.ts adds the routes.
 */

/**
 * Every route of the stage, per second: a steady rate and a burst above it. Beyond them API
 * Gateway answers 429 before any function runs, so a flood of unauthenticated calls costs no
 * Lambda time. StackOne and forwarders retry a 429.
 */
export const API_THROTTLE = { burst: 200, ratePerSecond: 100 } as const;

// Servers and the dashboard, served from this same origin, call this API: no CORS.
export const api = new sst.aws.ApiGatewayV2("Api", {
  cors: false,
  transform: {
    stage: (stage) => {
      stage.defaultRouteSettings = {
        throttlingBurstLimit: API_THROTTLE.burst,
        throttlingRateLimit: API_THROTTLE.ratePerSecond,
      };
    },
  },
});
