import { defineConfig } from "vitest/config";

// `npm test`: unit, contract (both engines) and end-to-end tiers. The 100,000-event storm is
// CI-only: `npm run test:storm` (test/storm/vitest.config.ts), which .ci/run also calls.
export default defineConfig({
  test: {
    include: ["test/{unit,contract,e2e}/**/*.test.ts"],
    // `npm start`, which the end-to-end tests run, runs dist/: built once, before them.
    globalSetup: ["test/support/build-dist.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Node 20 runs the tests; Lambda runs Node 22.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  },
});
