import { type Category, SEVERITIES, type Severity } from "../shared/quirks/taxonomy.ts";

/** Most severe first. */
export const SEVERITY_ORDER: readonly Severity[] = [...SEVERITIES].reverse();
export const SEVERITY_LABEL: Record<Severity, string> = {
  critical: "Critical",
  error: "Error",
  warning: "Warning",
  info: "Info",
};

export const categoryLabel = (c: Category | string) => c.replaceAll("_", " ");

/** "3 min ago", "in 2 h", from an ISO time. */
export function relative(iso: string, now = Date.now()): string {
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  const abs = Math.abs(seconds);
  const [n, unit] =
    abs < 60
      ? [abs, "s"]
      : abs < 3600
        ? [Math.round(abs / 60), "min"]
        : abs < 86400 * 2
          ? [Math.round(abs / 3600), "h"]
          : [Math.round(abs / 86400), "d"];
  if (abs < 10) return "just now";
  return seconds < 0 ? `${n} ${unit} ago` : `in ${n} ${unit}`;
}

export const absolute = (iso: string) =>
  new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });

/** "90s", "30m", "2h", "3d" (or a bare number of minutes) in seconds; undefined if unreadable. */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d)?\s*$/i.exec(text);
  if (!m) return undefined;
  const unit = (m[2] ?? "m").toLowerCase();
  const factor = unit.startsWith("s") ? 1 : unit.startsWith("m") ? 60 : unit === "h" ? 3600 : 86400;
  const seconds = Math.round(Number(m[1]) * factor);
  return seconds >= 1 && seconds <= 30 * 86400 ? seconds : undefined;
}

export function duration(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400} d`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}
