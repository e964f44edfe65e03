/**
 * Every HTTP route of Quirkwatch, in one table: its method and path, who may call it, the
 * largest body it takes, and which service answers it (ingest or the admin API). Both engines
 * serve this table: the local server (server/http-server.ts) checks the auth and the limit
 * before it reads a byte of the body; infra/api.ts routes each row in API Gateway to its
 * service's function. Each service binds its handlers to the rows by key
 * (shared/api/admin-api.ts, shared/ingest/webhook-route.ts): a row without a handler, or a
 * handler without a row, does not compile. The table itself imports nothing, so infra and
 * every bundle read it for free.
 */

/** `token`: the admin token. `signature`: a webhook signature its handler checks. `none`: anyone. */
export type RouteAuth = "token" | "signature" | "none";
export type RouteMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
/** `ingest`: webhooks in (functions/ingest.ts). `admin`: the dashboard and admin API (functions/api.ts). */
export type Service = "ingest" | "admin";

export type RouteSpec = {
  method: RouteMethod;
  /** API Gateway's form: `/incidents/{id}`. */
  path: string;
  auth: RouteAuth;
  /** Bytes; 0 takes no body. */
  maxBodyBytes: number;
};

export type Route<H> = RouteSpec & { handler: H };

/** An admin call's body: a mute, a subscription, a comment. Far below this. */
export const ADMIN_BODY_BYTES = 64 * 1024;
/** API Gateway takes up to 10 MB; a webhook is far smaller, and SQS takes 256 KiB a batch. */
export const WEBHOOK_BODY_BYTES = 256 * 1024;
export const NO_BODY = 0;

type Row = { service: Service; auth: RouteAuth; maxBodyBytes: number };

/** Most admin routes: behind the token, taking a small JSON body or none. */
const ADMIN_NO_BODY = { service: "admin", auth: "token", maxBodyBytes: NO_BODY } as const;
const ADMIN_JSON = { service: "admin", auth: "token", maxBodyBytes: ADMIN_BODY_BYTES } as const;

/** Keyed as API Gateway names a route (`routeKey`). */
export const ROUTES = {
  "POST /webhooks/{source}": {
    service: "ingest",
    auth: "signature",
    maxBodyBytes: WEBHOOK_BODY_BYTES,
  },
  // The page itself is public; what it shows comes from the routes behind the token.
  "GET /": { service: "admin", auth: "none", maxBodyBytes: NO_BODY },
  "GET /incidents": ADMIN_NO_BODY,
  "GET /incidents/{id}": ADMIN_NO_BODY,
  "POST /incidents/{id}/acknowledge": ADMIN_JSON,
  "POST /incidents/{id}/mute": ADMIN_JSON,
  "DELETE /incidents/{id}/mute": ADMIN_NO_BODY,
  "POST /incidents/{id}/resolve": ADMIN_JSON,
  "GET /accounts/{account_id}": ADMIN_NO_BODY,
  "POST /mutes": ADMIN_JSON,
  "GET /mutes": ADMIN_NO_BODY,
  "DELETE /mutes/{id}": ADMIN_NO_BODY,
  "POST /subscriptions": ADMIN_JSON,
  "GET /subscriptions": ADMIN_NO_BODY,
  "PATCH /subscriptions/{id}": ADMIN_JSON,
  "DELETE /subscriptions/{id}": ADMIN_NO_BODY,
  "POST /subscriptions/{id}/test": ADMIN_JSON,
  // Slack's clicks carry Slack's signature instead of the token, checked by their route; a
  // form-encoded payload holds the whole message, so it gets a webhook's room.
  "POST /slack/actions": { service: "admin", auth: "signature", maxBodyBytes: WEBHOOK_BODY_BYTES },
  // A reconnect link: its signed token is its own credential, checked by the route; customers
  // click it without an admin token.
  "GET /reconnect/{token}": { service: "admin", auth: "signature", maxBodyBytes: NO_BODY },
} as const satisfies Record<string, Row>;

export type RouteKey = keyof typeof ROUTES;
/** The keys of one service's routes. */
export type RouteKeyOf<S extends Service> = {
  [K in RouteKey]: (typeof ROUTES)[K]["service"] extends S ? K : never;
}[RouteKey];

/** `GET /incidents/{id}`, as API Gateway names a route. */
export const routeKey = (route: Pick<RouteSpec, "method" | "path">): string =>
  `${route.method} ${route.path}`;

/** A key's method and path. */
export function parseRouteKey(key: string): Pick<RouteSpec, "method" | "path"> {
  const [method, path] = key.split(" ") as [RouteMethod, string];
  return { method, path };
}

/** One row of the table as a declaration: what can cross a thread. */
export function specOf(key: RouteKey): RouteSpec {
  const { auth, maxBodyBytes } = ROUTES[key];
  return { ...parseRouteKey(key), auth, maxBodyBytes };
}

/** Every key of the table, or of one service. */
export function routeKeys<S extends Service>(service?: S): RouteKeyOf<S>[] {
  return (Object.keys(ROUTES) as RouteKey[]).filter(
    (key): key is RouteKeyOf<S> => service === undefined || ROUTES[key].service === service,
  );
}

/** `route("GET /healthz", "none", NO_BODY, handler)`: a route of one engine only, outside the table. */
export function route<H>(key: string, auth: RouteAuth, maxBodyBytes: number, handler: H): Route<H> {
  return { ...parseRouteKey(key), auth, maxBodyBytes, handler };
}
