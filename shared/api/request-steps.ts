import type * as z from "zod/mini";
import { error, type HttpRequest, type HttpResponse } from "../http.ts";
import { issuesOf } from "../validation.ts";

/**
 * The steps every admin handler starts with, written once: a body checked against its schema,
 * and the thing the path's `{id}` names. Each answers its value, or the 4xx that ends the request.
 */

export type Step<T> = { value: T } | { response: HttpResponse };

/** A JSON body (`readJson`) checked against `schema`, or a 422 `invalid <what>` naming each field. */
export function validated<T>(body: Step<unknown>, schema: z.ZodMiniType<T>, what: string): Step<T> {
  if ("response" in body) return body;
  const parsed = schema.safeParse(body.value);
  if (!parsed.success) return { response: error(422, `invalid ${what}`, issuesOf(parsed.error)) };
  return { value: parsed.data };
}

/** 404 `no such <what>`, naming the id. */
export const notFound = (what: string, id: string) =>
  error(404, `no such ${what}`, [{ path: "id", message: id }]);

/**
 * The path's `{id}` and what `find` answers for it, or a 404 `no such <what>`. An id not of
 * `pattern`'s form is looked up nowhere.
 */
export async function byId<T>(
  request: HttpRequest,
  pattern: RegExp,
  what: string,
  find: (id: string) => Promise<T | undefined>,
): Promise<{ id: string; value: T } | { response: HttpResponse }> {
  const id = request.params.id ?? "";
  const value = pattern.test(id) ? await find(id) : undefined;
  return value === undefined ? { response: notFound(what, id) } : { id, value };
}
