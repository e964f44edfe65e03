import { defineConfig } from "vitest/config";
import base from "../../vitest.config.ts";

// Only the storm: mergeConfig would add the base config's tiers to `include`, running them twice.
export default defineConfig({
  ...base,
  test: { ...base.test, include: ["test/storm/**/*.test.ts"], testTimeout: 600_000 },
});
