import { escapeHtml } from "../reconnect/page.ts";

/**
 * The HTML part of a customer email: its plain text, paragraph by paragraph, escaped, with the
 * reconnect link as a button (a table cell, so mail clients that ignore CSS still show one).
 * Only the link we made is a link; nothing from the text becomes one.
 */
export function emailHtml(text: string, button?: { label: string; url: string } | "" | undefined) {
  const buttonLine = button ? `${button.label}: ${button.url}` : undefined;
  const paragraphs = text.split(/\n{2,}/).map((paragraph) => {
    if (button && paragraph.split("\n")[0] === buttonLine) {
      const [, ...rest] = paragraph.split("\n");
      return [
        buttonHtml(button.label, button.url),
        ...rest.map((line) => `<p style="color:#555;font-size:13px">${escapeHtml(line)}</p>`),
      ].join("\n");
    }
    return `<p>${paragraph.split("\n").map(escapeHtml).join("<br>")}</p>`;
  });
  return [
    '<!doctype html><html><body style="font:15px/1.5 -apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#1a1a1a">',
    '<div style="max-width:600px;margin:0 auto;padding:16px">',
    ...paragraphs,
    "</div></body></html>",
  ].join("\n");
}

function buttonHtml(label: string, url: string): string {
  const href = escapeHtml(url);
  return [
    '<table role="presentation" cellspacing="0" cellpadding="0" style="margin:16px 0"><tr>',
    `<td style="background:#1f6feb;border-radius:6px"><a href="${href}" style="display:inline-block;padding:12px 22px;color:#fff;font-weight:600;text-decoration:none">${escapeHtml(label)}</a></td>`,
    "</tr></table>",
  ].join("");
}
