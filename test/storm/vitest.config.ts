import { defineConfig } from "vitest/config";
import base from "../../vitest.config.ts";

// Only the storm: mergeConfig would append to the base include list and run every tier again.
export default defineConfig({
  test: { ...base.test, include: ["test/storm/**/*.test.ts"], testTimeout: 600_000 },
});
