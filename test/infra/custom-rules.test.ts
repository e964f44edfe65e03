/**
 * A custom rules file (QUIRKWATCH_RULES) is validated at deploy time and shipped inside the
 * processor's package, where the processor reads it.
 */
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { ROOT } from "../../scripts/sst-platform/prepare-platform.ts";
import { BUILTIN_RULES } from "../../shared/quirks/catalog.ts";
import { rulesFile } from "../support/rules-file.ts";
import { Deployment } from "./support/deployment.ts";
import { DeployFailedError, evaluate } from "./support/evaluate.ts";

const VALID = [{ id: BUILTIN_RULES[0]?.id, alert: { repeat_seconds: 3600 } }];

async function processorWith(rulesPath: string) {
  const deployment = await evaluate({ stage: "dev", env: { QUIRKWATCH_RULES: rulesPath } });
  return deployment.function("functions/process.handler");
}

describe("a custom rules file", () => {
  it.each([
    ["an absolute path", (file: string) => file],
    ["a path relative to the app", (file: string) => relative(ROOT, file)],
  ])("given by %s lands in the processor's package, where it reads it", async (_, path) => {
    const processor = await processorWith(path(rulesFile(VALID)));
    expect(processor.build.packageFiles).toContain("quirkwatch.rules.json");
    expect(processor.lambda.inputs.environment?.variables).toMatchObject({
      QUIRKWATCH_RULES: "/var/task/quirkwatch.rules.json",
    });
  });

  it("reaches the request-log poller too, which classifies what it reads", async () => {
    const deployment = await evaluate({
      stage: "dev",
      env: { QUIRKWATCH_RULES: rulesFile(VALID) },
    });
    const poller = deployment.function("functions/poll-request-logs.handler");
    expect(poller.build.packageFiles).toContain("quirkwatch.rules.json");
    expect(poller.lambda.inputs.environment?.variables).toMatchObject({
      QUIRKWATCH_RULES: "/var/task/quirkwatch.rules.json",
    });
  });

  it("that is invalid stops the deploy, naming the problem", async () => {
    await expect(processorWith(rulesFile([{ alert: {} }]))).rejects.toThrow(/\bid\b/);
  });

  it("that does not exist stops the deploy", async () => {
    const missing = join(tmpdir(), "no-such-quirkwatch-rules.json");
    const deploy = processorWith(missing);
    await expect(deploy).rejects.toThrow(DeployFailedError);
    await expect(deploy).rejects.toThrow(`QUIRKWATCH_RULES: no file at ${missing}`);
  });

  it("is not shipped when none is given", () => {
    const processor = new Deployment(inject("dev")).function("functions/process.handler");
    expect(processor.build.packageFiles).not.toContain("quirkwatch.rules.json");
    expect(processor.lambda.inputs.environment?.variables).not.toHaveProperty("QUIRKWATCH_RULES");
  });
});
