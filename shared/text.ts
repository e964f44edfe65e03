/** Outside text made fit for one line of a page, a message or a terminal, cut to a size. */

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

// Control characters, line/paragraph separators and bidi overrides: none belongs in one line.
const NOT_ONE_LINE = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]+/gu;

/** One line: control characters become spaces, runs of whitespace one space. */
export function oneLine(text: string): string {
  return text.replace(NOT_ONE_LINE, " ").replace(/\s+/g, " ").trim();
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
