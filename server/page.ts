import { readFileSync } from "node:fs";
import { fromDist, sourceModule } from "./built.ts";

/** The dashboard (`GET /`): built into dist/page by `npm run build`; from the sources, built now. */
export async function dashboardPage(): Promise<string> {
  if (fromDist()) return readFileSync(new URL("../page/index.html", import.meta.url), "utf8");
  const { buildPage } = await sourceModule<typeof import("../scripts/build-page.ts")>(
    new URL("../scripts/build-page.ts", import.meta.url),
  );
  return buildPage();
}
