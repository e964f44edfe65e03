/**
 * Text from outside (event fields, provider messages, account names) made safe to print: the one
 * sanitizer for every field written to the console, an email, Slack or a webhook. A terminal
 * obeys escape sequences (`ESC]0;` sets its title, `ESC]52;` writes the clipboard, `ESC[1A`
 * moves up to overwrite a line), and a newline in a message can forge a log line or an email
 * section; both must arrive as inert text.
 */

/**
 * ECMA-48 sequences, removed whole so their arguments do not linger as text: strings (OSC, DCS,
 * SOS, PM, APC) up to their terminator or the end, control sequences (CSI) up to their final
 * byte, and other escapes; each in its 7-bit (ESC ...) and 8-bit (C1) form.
 */
const ESCAPE_SEQUENCES =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point.
  /(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[\s\S]*?(?:\x07|\x1b\\|\x9c|$)|(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?|\x1b[ -/]*[0-~]?/g;

// Control characters (C0, DEL, C1), line and paragraph separators, bidi overrides and isolates.
const CONTROLS = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]+/gu;
const CONTROLS_BUT_NEWLINE = /[^\P{Cc}\n]|[\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;
const ANY_CONTROL = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

/** Whether text holds anything `oneLine` would remove. */
export const hasControl = (text: string): boolean => ANY_CONTROL.test(text);

/** One line: escape sequences removed, controls and runs of whitespace one space, trimmed. */
export function oneLine(text: string): string {
  // Most text has nothing to remove: one test, no copies.
  if (!ANY_CONTROL.test(text) && !/\s\s|^\s|\s$/.test(text)) return text;
  return text.replace(ESCAPE_SEQUENCES, "").replace(CONTROLS, " ").replace(/\s+/g, " ").trim();
}

/** Lines of text: escape sequences removed, line ends `\n`, every other control a space. */
export function plainText(text: string): string {
  if (!ANY_CONTROL.test(text)) return text;
  return text
    .replace(ESCAPE_SEQUENCES, "")
    .replace(/\r\n?/g, "\n")
    .replace(CONTROLS_BUT_NEWLINE, " ")
    .replace(/ {2,}/g, " ");
}

/**
 * Links in words a provider wrote, made plain text for a customer: `https://evil.example/x`
 * becomes `hxxps://evil[.]example/x`, which no mail reader turns into a link. A provider's
 * message is not ours to vouch for, and a customer might follow it.
 */
export function defangUrls(text: string): string {
  return text.replace(
    /\b(h)tt(ps?):\/\/([^\s/?#]*)/gi,
    (_all, _h: string, rest: string, host: string) =>
      // A dot that ends the sentence, not the host, stays.
      `hxx${rest.toLowerCase()}://${host.replace(/\.(?=[^.])/g, "[.]")}`,
  );
}
