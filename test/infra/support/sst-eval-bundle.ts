/**
 * Bundles sst.config.ts the way the `sst` CLI does before it runs it (pkg/js and pkg/project in
 * SST): esbuild, with SST's shim injected for the `$` globals, `aws` and `sst` imported into every
 * file outside `.sst`, Pulumi and the AWS SDK left to `.sst/platform/node_modules`. One difference:
 * the CLI builds `app()` and `run()` separately and defines `$app`, `$cli` and `$dev` at build
 * time; this bundle exports both, and the evaluation sets those three as globals, so one build
 * serves every stage.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { build } from "esbuild";
import { PLATFORM_DIR, ROOT } from "../../../scripts/sst-platform/prepare-platform.ts";

export const EVAL_BUNDLE = join(PLATFORM_DIR, "quirkwatch-eval.mjs");

/** What the CLI imports into each of the app's files (its provider "shim"). */
const GLOBALS = `import * as aws from "@pulumi/aws";
import * as sst from "${join(PLATFORM_DIR, "src", "components")}";
`;

export async function buildEvalBundle(): Promise<void> {
  await build({
    stdin: {
      contents: `export { run } from "${join(PLATFORM_DIR, "src", "auto", "run.ts")}";
export { default as config } from "${join(ROOT, "sst.config.ts")}";
`,
      resolveDir: ROOT,
      sourcefile: "eval.ts",
      loader: "ts",
    },
    bundle: true,
    format: "esm",
    platform: "node",
    mainFields: ["module", "main"],
    outfile: EVAL_BUNDLE,
    banner: {
      js: `import { createRequire as topLevelCreateRequire } from "module";
const require = topLevelCreateRequire(import.meta.url);
import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url";
const __filename = topLevelFileUrlToPath(import.meta.url);
const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url));`,
    },
    nodePaths: [join(PLATFORM_DIR, "node_modules")],
    inject: [join(PLATFORM_DIR, "src", "shim", "run.js")],
    external: [
      "@pulumi/*",
      "undici",
      "@pulumiverse/*",
      "@sst-provider/*",
      "@aws-sdk/*",
      "esbuild",
      "archiver",
      "glob",
      "vite",
    ],
    plugins: [
      {
        name: "inject-globals",
        setup(bundler) {
          bundler.onLoad({ filter: /\.(js|ts|jsx|tsx)$/ }, async ({ path }) => {
            const contents = await readFile(path, "utf8");
            return {
              contents: path.includes(".sst") ? contents : GLOBALS + contents,
              loader: "default",
            };
          });
        },
      },
    ],
    logLevel: "warning",
  });
}
