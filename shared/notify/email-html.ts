import { escapeHtml } from "../reconnect/page.ts";

/**
 * An email's HTML part: its plain text, paragraph by paragraph (lines between blank lines, one
 * `<p>` each), escaped; with a reconnect link, its line becomes a button (a table cell, so mail
 * clients that ignore CSS still show one). Only the link we made is a link: nothing from the text
 * becomes one.
 */
export function emailHtml(
  subject: string,
  text: string,
  button?: { label: string; url: string },
): string {
  const buttonLine = button && `${button.label}: ${button.url}`;
  const paragraphs = text.split(/\n{2,}/).map((paragraph) => {
    const [first, ...rest] = paragraph.split("\n");
    if (button && first === buttonLine) {
      const notes = rest.map(
        (line) => `<p style="color:#57606a;font-size:13px">${escapeHtml(line)}</p>`,
      );
      return [buttonHtml(button.label, button.url), ...notes].join("\n");
    }
    return `<p>${paragraph.split("\n").map(escapeHtml).join("<br>\n")}</p>`;
  });
  return [
    "<!doctype html>",
    '<html><head><meta charset="utf-8">',
    `<title>${escapeHtml(subject)}</title></head>`,
    '<body style="font-family: -apple-system, Segoe UI, Helvetica, Arial, sans-serif; font-size: 15px; line-height: 1.5; color: #1f2328; max-width: 640px">',
    ...paragraphs,
    "</body></html>",
  ].join("\n");
}

function buttonHtml(label: string, url: string): string {
  return [
    '<table role="presentation" cellspacing="0" cellpadding="0" style="margin:16px 0"><tr>',
    `<td style="background:#1f6feb;border-radius:6px"><a href="${escapeHtml(url)}" style="display:inline-block;padding:12px 22px;color:#ffffff;font-weight:600;text-decoration:none">${escapeHtml(label)}</a></td>`,
    "</tr></table>",
  ].join("");
}
