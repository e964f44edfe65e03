/**
 * Whether this code runs from dist/ (`npm run build`, which defines QUIRKWATCH_DIST) or from the
 * TypeScript sources (the tests, `tsx`). Built, the worker and the page are files beside the
 * bundle; from the sources they are made when first asked for, with development tools that a
 * production install does not have and a bundle never carries.
 */
declare const QUIRKWATCH_DIST: true | undefined;

export const fromDist = (): boolean => typeof QUIRKWATCH_DIST !== "undefined";

/**
 * A module of the sources, loaded only when running from them. Its specifier is not a literal,
 * so the bundler leaves it (and the development tools it imports) out of dist/.
 */
export const sourceModule = <T>(url: URL): Promise<T> => import(url.href);
