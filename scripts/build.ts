/**
 * `npm run build`: bundles every Lambda in functions/*.ts into dist/<function>.mjs, the way SST
 * bundles them at deploy (esbuild, ESM, minified, tree-shaken), and prints each bundle's size.
 */
import { readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type BuildOptions, build, type Metafile } from "esbuild";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const FUNCTIONS_DIR = join(ROOT, "functions");
export const DIST_DIR = join(ROOT, "dist");

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
  const outfile = join(options.outdir ?? DIST_DIR, `${name}.mjs`);
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
  const bundles = await buildAll();
  for (const bundle of bundles) {
    const clients = packagesIn(bundle.metafile).filter((p) => p.startsWith("@aws-sdk/client-"));
    console.log(
      `${bundle.name.padEnd(16)} ${formatKb(bundle.bytes).padStart(10)}  dist/${bundle.name}.mjs  ${clients.join(" ") || "(no AWS clients)"}`,
    );
  }
}
