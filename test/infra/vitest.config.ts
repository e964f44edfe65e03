import { defineConfig } from "vitest/config";

// `npm run test:infra`, CI-only like the storm: the deploy definition against SST's real
// components (see test/infra/support/global-setup.ts). Its own config, not merged with the root
// one: merging would add the root's test files to these.
export default defineConfig({
  test: {
    include: ["test/infra/**/*.test.ts"],
    globalSetup: ["test/infra/support/global-setup.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
