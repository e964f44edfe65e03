/**
 * Before any infrastructure test: `.sst/platform` as `sst install` makes it (cached), the config
 * bundled as the CLI bundles it, and the two stages every test looks at, evaluated once.
 */
import type { TestProject } from "vitest/node";
import { preparePlatform } from "../../../scripts/sst-platform/prepare-platform.ts";
import type { Evaluation } from "./deployment.ts";
import { evaluate } from "./evaluate.ts";
import { buildEvalBundle } from "./sst-eval-bundle.ts";

declare module "vitest" {
  export interface ProvidedContext {
    dev: Evaluation;
    production: Evaluation;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  preparePlatform();
  await buildEvalBundle();
  const [dev, production] = await Promise.all([
    evaluate({ stage: "dev" }),
    evaluate({ stage: "production" }),
  ]);
  project.provide("dev", dev.evaluation);
  project.provide("production", production.evaluation);
}
