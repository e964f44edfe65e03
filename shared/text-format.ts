import { oneLine } from "./outside-text.ts";

/** Text cut to a size, and times, durations and provider names in words. */

/**
 * Cuts `text` to at most `max` UTF-16 code units, ending with "…" when cut. Iterates by code
 * point so a surrogate pair (emoji, astral characters) is never split.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max < 1) return "";
  let out = "";
  for (const char of text) {
    if (out.length + char.length > max - 1) break;
    out += char;
  }
  return `${out}…`;
}

/**
 * Cuts `text` to at most `max` characters at a word boundary, ending with "…" when cut. Returns ""
 * when not even its first word fits: a word is never cut.
 */
export function truncateWords(text: string, max: number): string {
  if (text.length <= max) return text;
  const room = text.slice(0, Math.max(0, max - 1));
  // Cut where a space follows (the next word starts), so the last word kept is whole.
  const end = text[room.length] === " " ? room.length : room.lastIndexOf(" ");
  return end <= 0 ? "" : `${text.slice(0, end).trimEnd()}…`;
}

/** e.g. `45 s`, `12 min`, `2 h 5 min`, `3 d 4 h`. */
export function humanDuration(ms: number): string {
  const seconds = Number.isFinite(ms) && ms > 0 ? Math.round(ms / 1000) : 0;
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}

/** `2024-05-01 12:00 UTC`, or the input as one line when it is not a date. */
export function formatTime(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return truncate(oneLine(iso), 64);
  return `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** `hibob` -> `Hibob`: how an HR admin names the system. */
export function providerName(provider: string): string {
  const name = truncate(oneLine(provider), 60);
  return name.charAt(0).toUpperCase() + name.slice(1);
}
