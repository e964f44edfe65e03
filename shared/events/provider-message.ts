import { oneLine } from "../outside-text.ts";
import { truncate } from "../text-format.ts";
import type { IntegrationEvent } from "./event.ts";

/** A provider's message is cut to this many characters (on a code point boundary). */
export const PROVIDER_MESSAGE_CHARS = 500;

/**
 * The provider's own error, in its words, from `provider_errors[].raw`: a plain string as it is,
 * or from a JSON body its `message`, `error` (a string, or an object's `message`), `errorMessage`,
 * `error_description` and `errors[]` (strings, or objects with a `message`, `detail` or `title`). A JSON body that was
 * cut (raw text is kept to 1,000 characters) still yields a `"message": "..."` it contains.
 * One line, at most PROVIDER_MESSAGE_CHARS; undefined when no provider error says anything.
 */
export function providerMessage(event: IntegrationEvent): string | undefined {
  for (const error of event.error?.provider_errors ?? []) {
    const words = error.raw === undefined ? undefined : wordsOf(error.raw);
    if (words) return truncate(words, PROVIDER_MESSAGE_CHARS);
  }
  return undefined;
}

/** The status the provider answered, when a provider error carries one. */
export function providerStatus(event: IntegrationEvent): number | undefined {
  return event.error?.provider_errors?.find((e) => e.status !== undefined)?.status;
}

function wordsOf(raw: string): string | undefined {
  const text = raw.trim();
  if (text === "") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON, or JSON cut short: a message field it holds is still the best words.
    if (/^[[{]/.test(text)) return quotedField(text) ?? oneLine(text);
    return oneLine(text);
  }
  if (typeof parsed === "string") return oneLine(parsed) || undefined;
  if (typeof parsed !== "object" || parsed === null) return oneLine(text);
  // An empty body says nothing; an unknown shape is still the provider's words, as JSON.
  if (Object.keys(parsed).length === 0) return undefined;
  return fromBody(parsed) ?? oneLine(text);
}

/** The words of a JSON error body, in the order providers most often put them. */
function fromBody(body: object): string | undefined {
  if (Array.isArray(body)) return joined(body.map(itemWords));
  const o = body as Record<string, unknown>;
  const error = o.error;
  const parts = [
    stringOf(o.message),
    typeof error === "string" ? stringOf(error) : itemWords(error),
    // Bullhorn's REST errors.
    stringOf(o.errorMessage),
    stringOf(o.error_description),
    Array.isArray(o.errors) ? joined(o.errors.map(itemWords)) : undefined,
  ];
  return joined(parts);
}

function itemWords(item: unknown): string | undefined {
  if (typeof item === "string") return oneLine(item) || undefined;
  if (typeof item !== "object" || item === null || Array.isArray(item)) return undefined;
  const o = item as Record<string, unknown>;
  return stringOf(o.message) ?? stringOf(o.detail) ?? stringOf(o.title);
}

function stringOf(v: unknown): string | undefined {
  return typeof v === "string" && v.trim() !== "" ? oneLine(v) : undefined;
}

function joined(parts: (string | undefined)[]): string | undefined {
  const distinct = [...new Set(parts.filter((p): p is string => p !== undefined && p !== ""))];
  return distinct.length > 0 ? distinct.join("; ") : undefined;
}

/** `"message": "..."` (or error, error_description) in JSON text that no longer parses. */
function quotedField(text: string): string | undefined {
  const match = /"(?:message|error_description|error)"\s*:\s*"((?:[^"\\]|\\.)*)"?/.exec(text);
  if (!match?.[1]) return undefined;
  return oneLine(match[1].replace(/\\(["\\/])/g, "$1").replace(/\\[nrt]/g, " ")) || undefined;
}
