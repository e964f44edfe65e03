/**
 * `npm run build`: everything that runs, as JavaScript in dist/, so that nothing needs a
 * development tool at run time:
 * - dist/server/: the single node (`npm start` runs start.mjs), its SQLite worker and chunks;
 *   npm packages stay imports, resolved from the production dependencies;
 * - dist/page/index.html: the dashboard;
 * - dist/functions/<function>.mjs: each Lambda, bundled the way SST bundles it at deploy
 *   (esbuild, ESM, minified, tree-shaken), with its size printed.
 * `--server` builds only the first two: what `npm start` needs (server/launch.mjs).
 */
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type BuildOptions, build, type Metafile } from "esbuild";
import { writePage } from "./build-page.ts";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const FUNCTIONS_DIR = join(ROOT, "functions");
export const DIST_DIR = join(ROOT, "dist");
const FUNCTIONS_OUT = join(DIST_DIR, "functions");

/** Some AWS SDK dependencies are CommonJS and call `require`, which ESM lacks. */
const CREATE_REQUIRE_BANNER =
  'import { createRequire as __quirkwatchCreateRequire } from "node:module";' +
  "const require = __quirkwatchCreateRequire(import.meta.url);";

export const BUNDLE_OPTIONS = {
  bundle: true,
  platform: "node",
  target: "node22",
  format: "esm",
  minify: true,
  treeShaking: true,
  metafile: true,
  banner: { js: CREATE_REQUIRE_BANNER },
  logLevel: "warning",
} as const satisfies BuildOptions;

export type Bundle = {
  /** The file name in functions/ without `.ts`, e.g. `notify-slack`. */
  name: string;
  outfile: string;
  bytes: number;
  metafile: Metafile;
};

/** Every Lambda entry point: functions/*.ts, sorted. */
export function functionNames(): string[] {
  return readdirSync(FUNCTIONS_DIR)
    .filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts"))
    .map((file) => file.slice(0, -".ts".length))
    .sort();
}

export async function buildFunction(
  name: string,
  options: { outdir?: string; write?: boolean } = {},
): Promise<Bundle> {
  const outfile = join(options.outdir ?? FUNCTIONS_OUT, `${name}.mjs`);
  const result = await build({
    ...BUNDLE_OPTIONS,
    entryPoints: [join(FUNCTIONS_DIR, `${name}.ts`)],
    outfile,
    write: options.write ?? true,
  });
  const bytes = result.outputFiles?.[0]?.contents.byteLength ?? statSync(outfile).size;
  return { name, outfile, bytes, metafile: result.metafile };
}

export async function buildAll(options: { outdir?: string; write?: boolean } = {}) {
  return Promise.all(functionNames().map((name) => buildFunction(name, options)));
}

/** The single node's entry points, by the name of their file in dist/server. */
const SERVER_ENTRIES = {
  start: join(ROOT, "server", "start.ts"),
  "sqlite-worker": join(ROOT, "server", "sqlite", "worker.ts"),
};

/**
 * The single node into `outdir` (dist/server): its entry points and the chunks they share, the
 * dynamodb engine's in a chunk of its own, loaded only by that engine. npm packages are left as
 * imports, to be resolved from node_modules: better-sqlite3 is native, and the rest are
 * production dependencies, so a production install runs it. QUIRKWATCH_DIST tells the code it
 * runs built (server/built.ts).
 */
export async function buildServer(outdir = join(DIST_DIR, "server")) {
  rmSync(outdir, { recursive: true, force: true });
  const result = await build({
    entryPoints: SERVER_ENTRIES,
    outdir,
    bundle: true,
    splitting: true,
    platform: "node",
    target: "node20",
    format: "esm",
    packages: "external",
    outExtension: { ".js": ".mjs" },
    define: { QUIRKWATCH_DIST: "true" },
    sourcemap: true,
    metafile: true,
    logLevel: "warning",
  });
  // dynalite runs on a thread of its own, from a file beside the code that starts it.
  copyFileSync(
    join(ROOT, "server", "dynamodb", "dynalite-worker.mjs"),
    join(outdir, "dynalite-worker.mjs"),
  );
  return result.metafile;
}

/** What `npm start` runs: the server and the page, in `dist` (another folder for the tests). */
export async function buildForStart(dist = DIST_DIR) {
  const [metafile] = await Promise.all([
    buildServer(join(dist, "server")),
    writePage(join(dist, "page")),
  ]);
  return metafile;
}

/** The npm packages a bundle contains, e.g. `@aws-sdk/client-sqs`, from its metafile inputs. */
export function packagesIn(metafile: Metafile): string[] {
  const names = new Set<string>();
  for (const input of Object.keys(metafile.inputs)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match?.[1]) names.add(match[1]);
  }
  return [...names].sort();
}

export function formatKb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

const isMain =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isMain) {
  const started = performance.now();
  mkdirSync(DIST_DIR, { recursive: true });
  await buildForStart();
  console.log(
    `server           dist/server/start.mjs, dist/page/index.html (${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );
  if (process.argv.includes("--server")) process.exit(0);
  const bundles = await buildAll();
  for (const bundle of bundles) {
    const clients = packagesIn(bundle.metafile).filter((p) => p.startsWith("@aws-sdk/client-"));
    console.log(
      `${bundle.name.padEnd(16)} ${formatKb(bundle.bytes).padStart(10)}  dist/functions/${bundle.name}.mjs  ${clients.join(" ") || "(no AWS clients)"}`,
    );
  }
  console.log(`built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
