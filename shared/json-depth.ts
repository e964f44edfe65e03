/**
 * JSON from outside is parsed only when it nests at most MAX_JSON_DEPTH levels: deeper input
 * has no business here, and code that walks a parsed value recursively (hashing, sampling,
 * validation) would overflow the stack on it.
 */
export const MAX_JSON_DEPTH = 64;

/** The deepest nesting of `[` and `{` in JSON text, outside strings; stops once past `limit`. */
export function jsonDepth(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

/** JSON nested deeper than MAX_JSON_DEPTH. */
export class JsonTooDeep extends Error {
  override name = "JsonTooDeep";
  constructor() {
    super(`the JSON nests deeper than ${MAX_JSON_DEPTH} levels`);
  }
}

/** JSON.parse, refusing input nested deeper than MAX_JSON_DEPTH with JsonTooDeep. */
export function parseBoundedJson(text: string): unknown {
  if (jsonDepth(text) > MAX_JSON_DEPTH) throw new JsonTooDeep();
  return JSON.parse(text);
}
