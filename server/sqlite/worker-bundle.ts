import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const CACHE = new URL("../../node_modules/.cache/quirkwatch/", import.meta.url);
/** Bundles of other versions of the code are removed once this old (a running worker has loaded its own). */
const STALE_MS = 3_600_000;

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
  pruneOlderThan(STALE_MS, file);
  return pathToFileURL(fileURLToPath(file));
}

function pruneOlderThan(ageMs: number, keep: URL): void {
  for (const name of readdirSync(CACHE)) {
    const file = new URL(name, CACHE);
    if (!name.startsWith("engine-worker-") || file.href === keep.href) continue;
    try {
      if (Date.now() - statSync(file).mtimeMs > ageMs) rmSync(file, { force: true });
    } catch {
      // Another start removed it first.
    }
  }
}
