import { readFileSync } from "node:fs";
import { fromDist, sourceModule } from "./built.ts";

/** The dashboard (`GET /`): built into dist/page by `npm run build`; from the sources, built now. */
export async function dashboardPage(): Promise<string> {
  if (fromDist()) return readFileSync(new URL("../page/index.html", import.meta.url), "utf8");
  // The tool that builds it (scripts/build-page.ts), loaded from the sources only.
  const { buildPage } = await sourceModule<{ buildPage(): Promise<string> }>(
    new URL("../scripts/build-page.ts", import.meta.url),
  );
  return buildPage();
}
