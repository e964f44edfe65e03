/**
 * `npm run build:page`: bundles the dashboard (web/) into one self-contained HTML file,
 * dist/page/index.html: script and styles inline, each allowed by its hash in the page's
 * Content-Security-Policy, so the page needs no other route and loads nothing else. The local
 * stack builds it in memory at start; infra/api.ts runs this before packaging the API function.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const WEB = join(ROOT, "web");
export const PAGE_DIR = join(ROOT, "dist", "page");

const sha256 = (text: string) => `'sha256-${createHash("sha256").update(text).digest("base64")}'`;

export async function buildPage(): Promise<string> {
  const result = await build({
    entryPoints: [join(WEB, "main.tsx")],
    bundle: true,
    write: false,
    minify: true,
    format: "iife",
    target: ["chrome110", "firefox110", "safari16"],
    jsx: "automatic",
    jsxImportSource: "preact",
    legalComments: "none",
    logLevel: "warning",
  });
  // Inside an inline script, `</script` would end it early.
  const script = (result.outputFiles[0]?.text ?? "").replaceAll(/<\/script/gi, "<\\/script");
  const style = readFileSync(join(WEB, "style.css"), "utf8");
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(script)}`,
    `style-src ${sha256(style)}`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>Quirkwatch</title>
<style>${style}</style>
</head>
<body>
<div id="app"><p class="loading">Loading Quirkwatch…</p></div>
<script>${script}</script>
</body>
</html>
`;
}

export async function writePage(dir = PAGE_DIR): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "index.html");
  writeFileSync(file, await buildPage());
  return file;
}

const isMain =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isMain) {
  const file = await writePage();
  console.log(`dashboard: ${file} (${(readFileSync(file).length / 1024).toFixed(1)} KB)`);
}
