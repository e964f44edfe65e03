import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";

/** Debian's Chromium; `.ci/run` installs it. Nothing is ever downloaded. */
export const CHROMIUM = "/usr/bin/chromium";
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
/** Screenshots of the browser tests (git-ignored). */
export const SHOTS_DIR = join(import.meta.dirname, "..", "output", "browser");

export type Browser = {
  context: BrowserContext;
  /** Script errors and console errors (a blocked script or style too) in any tab so far. */
  errors: string[];
  page(options?: { width?: number; height?: number }): Promise<Page>;
  close(): Promise<void>;
};

/** Chromium with a fresh profile of its own, for one test file. */
export async function startBrowser(origin: string): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), "quirkwatch-chromium-"));
  mkdirSync(SHOTS_DIR, { recursive: true });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: FLAGS,
    // Flags above say headless; playwright's own default would add its own.
    headless: true,
    viewport: { width: 1280, height: 900 },
    permissions: ["clipboard-read", "clipboard-write"],
  });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin });
  const errors: string[] = [];
  return {
    context,
    errors,
    async page({ width = 1280, height = 900 } = {}) {
      const page = await context.newPage();
      await page.setViewportSize({ width, height });
      page.on("pageerror", (error) => errors.push(error.message));
      page.on("console", (message) => {
        // A refused token is a 401 the page handles; Chromium logs each such answer too.
        if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) {
          errors.push(message.text());
        }
      });
      return page;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Saves a full-page screenshot as test/output/browser/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const path = join(SHOTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
