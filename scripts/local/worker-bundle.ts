import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const CACHE = new URL("../../node_modules/.cache/quirkwatch/", import.meta.url);

/**
 * A worker thread's TypeScript entry as one JavaScript file, so the thread needs no TypeScript
 * loader: tsx would start one more thread, with its own heap (~30 MB), for each thread it
 * serves, and compile every module again. Built at each start (esbuild, well under a second),
 * kept by content, so concurrent starts share one file.
 */
export async function bundleWorker(entry: URL): Promise<URL> {
  const result = await build({
    entryPoints: [fileURLToPath(entry)],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // A native module: loaded from node_modules as it is.
    external: ["better-sqlite3"],
    // Bundled CommonJS dependencies may call require.
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
    write: false,
    logLevel: "silent",
  });
  const code = result.outputFiles[0]?.contents ?? new Uint8Array();
  const hash = createHash("sha256").update(code).digest("hex").slice(0, 16);
  const file = new URL(`engine-worker-${hash}.mjs`, CACHE);
  if (!existsSync(file)) {
    mkdirSync(CACHE, { recursive: true });
    const partial = new URL(`engine-worker-${hash}.${process.pid}.tmp`, CACHE);
    writeFileSync(partial, code);
    renameSync(partial, file);
  }
  return pathToFileURL(fileURLToPath(file));
}
