/**
 * The `sst` CLI's end of SST's RPC (src/components/rpc/rpc.ts in SST): components ask the CLI,
 * over HTTP at `$SST_SERVER/rpc`, for what only the CLI does. This answers `Runtime.Build` (bundle
 * a function: recorded, and answered with a placeholder bundle, since bundling needs the CLI) and
 * `Provider.Aws.Bootstrap` (the asset bucket). Any other method fails the evaluation, naming it.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";

/** What SST asked the CLI to bundle for one function. */
export type RecordedBuild = {
  /** The function component's name, e.g. `Ingest`. */
  functionID: string;
  handler: string;
  /** The names of the components linked to it, which SST encrypts into its package. */
  links: string[];
  /** As SST resolved them: `from` is an absolute path. */
  copyFiles: { from: string; to: string; isDir: boolean }[];
};

type BuildInput = {
  functionID: string;
  handler: string;
  links: Record<string, unknown>;
  copyFiles: RecordedBuild["copyFiles"];
};

export type FakeSstCli = { url: string; builds: RecordedBuild[]; close(): void };

export async function startFakeSstCli(workDir: string): Promise<FakeSstCli> {
  const builds: RecordedBuild[] = [];
  const methods: Record<string, (args: never) => unknown> = {
    "Runtime.Build": (input: BuildInput) => {
      const bundle = join(workDir, "artifacts", `${input.functionID}-src`);
      // `functions/ingest.handler` is the `handler` export of `functions/ingest.mjs`.
      const module = join(bundle, `${input.handler.slice(0, input.handler.lastIndexOf("."))}.mjs`);
      mkdirSync(dirname(module), { recursive: true });
      writeFileSync(module, "// A placeholder: the sst CLI bundles the function at deploy.\n");
      builds.push({
        functionID: input.functionID,
        handler: input.handler,
        links: Object.keys(input.links).sort(),
        copyFiles: input.copyFiles,
      });
      return { handler: input.handler, out: bundle, errors: [], sourcemaps: [] };
    },
    "Provider.Aws.Bootstrap": () => ({
      asset: "sst-asset-bucket",
      assetEcrRegistryId: "",
      assetEcrUrl: "",
      state: "sst-state-bucket",
      appsyncHttp: "",
      appsyncRealtime: "",
    }),
  };

  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      const { method, params } = JSON.parse(body) as { method: string; params: [never] };
      const handle = methods[method];
      response.end(
        JSON.stringify(
          handle
            ? { result: handle(params[0]) }
            : {
                error: `The stand-in for the sst CLI does not answer ${method} (${import.meta.filename})`,
              },
        ),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, builds, close: () => server.close() };
}
