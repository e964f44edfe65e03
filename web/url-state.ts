/** The view and its filters live in the URL's query, so a view can be shared and survives reloads. */

export const VIEWS = ["incidents", "mutes", "subscriptions"] as const;
export type View = (typeof VIEWS)[number];

export const FILTER_KEYS = ["account", "provider", "category", "severity", "status"] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];
export type Filters = Partial<Record<FilterKey, string>>;

export function readUrl(): { view: View; filters: Filters } {
  const query = new URLSearchParams(location.search);
  const view = VIEWS.find((v) => v === query.get("view")) ?? "incidents";
  const filters: Filters = {};
  for (const key of FILTER_KEYS) {
    const value = query.get(key);
    if (value) filters[key] = value;
  }
  return { view, filters };
}

export function writeUrl(view: View, filters: Filters): void {
  const query = new URLSearchParams();
  if (view !== "incidents") query.set("view", view);
  for (const key of FILTER_KEYS) {
    const value = filters[key];
    if (value) query.set(key, value);
  }
  const search = query.toString();
  const next = `${location.pathname}${search ? `?${search}` : ""}`;
  if (next !== `${location.pathname}${location.search}`) history.replaceState(null, "", next);
}
