/**
 * Which linked resources a function's code reads, derived from the code: bundle the function
 * unminified with tree shaking and collect the `linked("<Name>")` and `secret("<Name>", ...)` calls that survive. Each config
 * getter in shared/config.ts is its own export, so only the getters a function uses remain. A
 * direct `Resource.<Name>` read, bypassing shared/config.ts, counts too.
 */
import { join } from "node:path";
import { build } from "esbuild";
import { FUNCTIONS_DIR } from "../../../scripts/build.ts";

export async function linkedNamesRead(functionName: string): Promise<string[]> {
  const result = await build({
    entryPoints: [join(FUNCTIONS_DIR, `${functionName}.ts`)],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    minify: false,
    treeShaking: true,
    // Our code is what reads links; leaving packages out keeps this fast.
    packages: "external",
    write: false,
    logLevel: "silent",
  });
  const code = result.outputFiles[0]?.text ?? "";
  const names = new Set<string>();
  // `linked("X")` and `secret("X", ...)`; esbuild may rename them to `linked2` when names collide.
  for (const match of code.matchAll(/\b(?:linked|secret)\d*\("([A-Za-z0-9]+)"/g))
    names.add(String(match[1]));
  for (const match of code.matchAll(/\bResource\.([A-Za-z0-9]+)/g)) names.add(String(match[1]));
  return [...names].sort();
}
