/**
 * What every HTTP route declares, whichever engine serves it: its method and path, who may call
 * it, and the largest body it takes. The local server checks the last two before it reads a
 * byte of the body; a new route is one line in its table.
 */

/** `token`: the admin token. `signature`: a webhook signature its handler checks. `none`: anyone. */
export type RouteAuth = "token" | "signature" | "none";
export type RouteMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

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
export const NO_BODY = 0;

/** `GET /incidents/{id}`, as API Gateway names a route. */
export const routeKey = (route: Pick<RouteSpec, "method" | "path">): string =>
  `${route.method} ${route.path}`;

/** `route("POST /mutes", "token", ADMIN_BODY_BYTES, createMute)`: one line per route. */
export function route<H>(key: string, auth: RouteAuth, maxBodyBytes: number, handler: H): Route<H> {
  const [method, path] = key.split(" ") as [RouteMethod, string];
  return { method, path, auth, maxBodyBytes, handler };
}

/** The routes by key, as API Gateway hands an event its `routeKey`. */
export function byKey<R extends RouteSpec>(routes: R[]): Record<string, R> {
  return Object.fromEntries(routes.map((r) => [routeKey(r), r]));
}

/** The declaration alone, without its handler: what can cross a thread. */
export const specOf = ({ method, path, auth, maxBodyBytes }: RouteSpec): RouteSpec => ({
  method,
  path,
  auth,
  maxBodyBytes,
});
