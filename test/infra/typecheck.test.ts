/**
 * sst.config.ts, infra/ and test/infra/ typecheck against SST's real component types, and the
 * canary's deliberate mistakes are each rejected (see canary.ts).
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { expect, it } from "vitest";
import { ROOT } from "../../scripts/sst-platform/prepare-platform.ts";

it("typechecks the deploy definition against SST's own types, which reject every canary mistake", () => {
  const tsc = spawnSync(
    join(ROOT, "node_modules", ".bin", "tsc"),
    ["-p", join(ROOT, "test", "infra", "tsconfig.json"), "--pretty", "false"],
    { cwd: ROOT, encoding: "utf8" },
  );
  // One entry per diagnostic: its first line and the indented lines explaining it. SST's own
  // sources are in the program, and two of their imports are types of SST's devDependencies
  // (`bun`, `archiver`), which are not installed: those errors are SST's, not ours.
  const ours = `${tsc.stdout}${tsc.stderr}`
    .split(/\n(?! )/)
    .filter((diagnostic) => diagnostic.trim() !== "" && !diagnostic.startsWith(".sst/platform/"));
  // TS2578 is "Unused '@ts-expect-error' directive": a canary mistake the types let through.
  expect(
    ours.filter((d) => d.includes("TS2578")),
    "canary mistakes the types let through",
  ).toEqual([]);
  expect(ours).toEqual([]);
});
