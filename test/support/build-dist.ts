import { execFileSync } from "node:child_process";
import { join } from "node:path";

/**
 * Vitest's global setup: dist/ current before any test runs `npm start` (which would build it
 * itself, but then inside a test's time limit, with many starts waiting on one build).
 */
export default function setup(): void {
  execFileSync(
    process.execPath,
    [join(import.meta.dirname, "../../server/launch.mjs"), "--build-only"],
    {
      stdio: "inherit",
    },
  );
}
