/**
 * Runs sst.config.ts for one stage as `sst deploy` would, with SST's real components and SST's own
 * `run` (which applies `removal`), under Pulumi's mocks for AWS and a stand-in for the CLI's RPC.
 * Writes what was registered (an `Evaluation`) as JSON to a file.
 *
 * Usage: node --import tsx run-evaluation.ts <stage> <output file>. A child process per
 * evaluation, because Pulumi and SST keep per-process state. As in Pulumi's language host, the
 * first unhandled error fails the run: its message goes to stderr and the exit code is 1.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { PLATFORM_DIR, ROOT } from "../../../scripts/sst-platform/prepare-platform.ts";
import { awsMocks, type RecordedResource } from "./aws-mocks.ts";
import type { Evaluation } from "./deployment.ts";
import { startFakeSstCli } from "./fake-sst-cli.ts";
import { EVAL_BUNDLE } from "./sst-eval-bundle.ts";
import { zipEntries } from "./zip-entries.ts";

type EvalBundle = {
  run(program: () => Promise<unknown>): Promise<Record<string, unknown>>;
  config: {
    app(input: { stage: string }): { name: string; removal?: string; protect?: boolean };
    run(): Promise<unknown>;
  };
};

function fail(error: unknown): never {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
process.on("unhandledRejection", fail);
process.on("uncaughtException", fail);

const [stage, outputFile] = process.argv.slice(2);
if (stage === undefined || outputFile === undefined) fail("usage: <stage> <output file>");

// The Pulumi SDK SST's platform pins, the very instance the bundle imports.
const pulumi = createRequire(join(PLATFORM_DIR, "package.json"))(
  "@pulumi/pulumi",
) as typeof import("@pulumi/pulumi");
const recorded: RecordedResource[] = [];
await pulumi.runtime.setMocks(awsMocks(recorded), "quirkwatch", stage, false);

const work = mkdtempSync(join(tmpdir(), "quirkwatch-sst-"));
const cli = await startFakeSstCli(work);
process.env.SST_SERVER = cli.url;
const paths = { home: work, root: ROOT, work, platform: PLATFORM_DIR };
Object.assign(globalThis, {
  $dev: false,
  $cli: { command: "deploy", dev: false, paths, state: { version: {} } },
});

const { run, config } = (await import(pathToFileURL(EVAL_BUNDLE).href)) as EvalBundle;
const settings = config.app({ stage });
const app = {
  name: settings.name,
  stage,
  removal: settings.removal ?? "retain",
  protect: settings.protect ?? false,
};
Object.assign(globalThis, { $app: { ...app, providers: { aws: {} } } });

const options = new Map<string, { parent?: string; retainOnDelete: boolean }>();
const names = new WeakMap<object, string>();
const outputs = (await pulumi.runtime.runInPulumiStack(() =>
  run(() => {
    // Registered after SST's own transformations (run() adds them first), so it sees their result.
    pulumi.runtime.registerStackTransformation(({ resource, type, name, opts }) => {
      names.set(resource, name);
      const parent = opts.parent && names.get(opts.parent);
      options.set(`${type}::${name}`, { parent, retainOnDelete: opts.retainOnDelete ?? false });
      return undefined;
    });
    return config.run();
  }),
)) as Record<string, unknown>;
await pulumi.runtime.disconnect();
cli.close();

const evaluation: Evaluation = {
  app,
  outputs,
  resources: recorded.map((r) => ({
    ...r,
    ...(options.get(`${r.type}::${r.name}`) ?? { retainOnDelete: false }),
  })),
  builds: cli.builds.map((build) => ({
    ...build,
    // Where SST's Function writes the package it uploads; its root is /var/task in Lambda.
    packageFiles: zipEntries(join(work, "artifacts", build.functionID, "code.zip")),
  })),
};
writeFileSync(outputFile, JSON.stringify(evaluation));
rmSync(work, { recursive: true, force: true });
process.exit(0);
