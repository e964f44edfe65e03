/**
 * Makes `.sst/platform` as `sst install` would, without the `sst` CLI (which downloads Pulumi):
 * SST's platform sources (its components) out of the installed `sst` binary, and their pinned
 * dependencies from npm (about 260 MB, installed once and kept until the pinned versions change).
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ElfFile } from "./elf-file.ts";
import { readEmbedFs } from "./go-embed-fs.ts";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const PLATFORM_DIR = join(ROOT, ".sst", "platform");
const SST_BINARY = join(ROOT, "node_modules", "sst-linux-x64", "bin", "sst");
/** Written last, so an interrupted install is redone. SST's own install writes `version`. */
const STAMP_FILE = join(PLATFORM_DIR, "quirkwatch-install.sha256");
// SST's own install (bun) takes the devDependencies too; they only build SST, and one of them,
// @types/bun, puts Bun's globals into every program that includes SST's types. Install scripts
// build native tools (esbuild's binary) that evaluating a config never runs.
const NPM_INSTALL = [
  "install",
  "--omit=dev",
  "--ignore-scripts",
  "--no-audit",
  "--no-fund",
  "--no-package-lock",
];

export class UnsupportedPlatformError extends Error {
  override name = "UnsupportedPlatformError";
}

export class PlatformInstallError extends Error {
  override name = "PlatformInstallError";
}

/**
 * What `sst install` writes to `config.d.ts` for an app whose one provider is aws, less the
 * `../types.generated` import (the `Resource` types SST derives from a deployed stage).
 */
const CONFIG_TYPES = `import "./src/global.d.ts";
import { AppInput, App, Config } from "./src/config";
import * as _aws from "@pulumi/aws";

declare global {
  // @ts-expect-error
  export import aws = _aws;
  interface Providers {
    providers?: {
      "aws"?: (_aws.ProviderArgs & { version?: string }) | boolean | string;
    };
  }
  export const $config: (
    input: Omit<Config, "app"> & {
      app(input: AppInput): Omit<App, "providers"> & Providers;
    },
  ) => Config;
}
`;

/** SST's platform files: `package.json` and everything under `src/` (the components and globals). */
export function readPlatformSources(): Map<string, Buffer> {
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new UnsupportedPlatformError(
      `The infrastructure check reads SST's sources out of its Linux x64 binary (sst-linux-x64); ` +
        `this machine is ${process.platform}-${process.arch}. Run it on Linux x64, as CI does.`,
    );
  }
  if (!existsSync(SST_BINARY)) {
    throw new UnsupportedPlatformError(`${SST_BINARY} is missing: run npm ci first.`);
  }
  const files = readEmbedFs(new ElfFile(readFileSync(SST_BINARY)), "src/components/index.ts");
  return new Map([...files].filter(([name]) => name === "package.json" || name.startsWith("src/")));
}

export function preparePlatform(log: (line: string) => void = console.log): void {
  const sources = readPlatformSources();
  const packageJson = sources.get("package.json");
  if (packageJson === undefined) throw new PlatformInstallError("SST's package.json is missing");
  const stamp = createHash("sha256")
    .update(packageJson)
    .update(NPM_INSTALL.join(" "))
    .digest("hex");

  if (!existsSync(STAMP_FILE) || readFileSync(STAMP_FILE, "utf8") !== stamp) {
    const { dependencies } = JSON.parse(packageJson.toString()) as {
      dependencies: Record<string, string>;
    };
    log(
      `Installing SST's platform dependencies into .sst/platform (@pulumi/pulumi ` +
        `${dependencies["@pulumi/pulumi"]}, @pulumi/aws ${dependencies["@pulumi/aws"]}, ` +
        `about 260 MB from npm); later runs reuse them.`,
    );
    rmSync(PLATFORM_DIR, { recursive: true, force: true });
    mkdirSync(PLATFORM_DIR, { recursive: true });
    writeFileSync(join(PLATFORM_DIR, "package.json"), packageJson);
    const npm = spawnSync("npm", NPM_INSTALL, { cwd: PLATFORM_DIR, stdio: "inherit" });
    if (npm.status !== 0) {
      throw new PlatformInstallError(`npm ${NPM_INSTALL.join(" ")} in ${PLATFORM_DIR} failed`);
    }
    writeFileSync(STAMP_FILE, stamp);
  }

  // The sources are rewritten every time: cheap, and always those of the installed binary.
  rmSync(join(PLATFORM_DIR, "src"), { recursive: true, force: true });
  for (const [name, data] of sources) {
    const file = join(PLATFORM_DIR, name);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, data);
  }
  writeFileSync(join(PLATFORM_DIR, "config.d.ts"), CONFIG_TYPES);
}
