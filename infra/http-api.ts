/**
 * The HTTP API, made before the functions: those that put reconnect links in notices link it
 * for its URL (infra/reconnect.ts); infra/api.ts adds the routes.
 */
// Servers and the dashboard, served from this same origin, call this API: no CORS.
export const api = new sst.aws.ApiGatewayV2("Api", { cors: false });
