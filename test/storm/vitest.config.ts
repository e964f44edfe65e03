import { defineConfig, mergeConfig } from "vitest/config";
import base from "../../vitest.config.ts";

export default mergeConfig(
  base,
  defineConfig({ test: { include: ["test/storm/**/*.test.ts"], testTimeout: 600_000 } }),
);
