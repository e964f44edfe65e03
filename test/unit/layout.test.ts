/**
 * The layout's rules (docs/architecture.md), held by a test so that a change that breaks one
 * fails here rather than in a review: the domain knows no transport, the Lambda handlers are
 * leaves, and nothing that runs imports a test.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const CODE = /\.(ts|tsx|mts|mjs)$/;

/** Every code file under `folder`, as a path from the project root. */
function codeFiles(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, encoding: "utf8" })
    .filter((file) => CODE.test(file))
    .map((file) => join(folder, file));
}

/** What a file imports: the specifiers of its static, dynamic and re-export imports. */
function importsOf(file: string): string[] {
  const source = readFileSync(join(ROOT, file), "utf8");
  const found = source.matchAll(/(?:\bfrom|\bimport\s*\(?)\s*["']([^"']+)["']/g);
  return [...found].map((m) => m[1] ?? "");
}

/** A relative specifier as a path from the project root; a package name as it is. */
function target(file: string, specifier: string): string {
  return specifier.startsWith(".")
    ? relative(ROOT, resolve(ROOT, dirname(file), specifier))
    : specifier;
}

/** `file → import` for every import of `files` that `forbidden` matches. */
function offending(files: string[], forbidden: (target: string) => boolean): string[] {
  return files.flatMap((file) =>
    importsOf(file)
      .map((specifier) => target(file, specifier))
      .filter(forbidden)
      .map((to) => `${file} → ${to}`),
  );
}

describe("the layout", () => {
  it("keeps transports out of the domain: AWS types, SDKs and SST links only in shared/adapters/aws/", () => {
    const domain = codeFiles("shared").filter((f) => !f.startsWith("shared/adapters/aws/"));
    expect(domain.length).toBeGreaterThan(50);
    const transport = (to: string) =>
      to === "aws-lambda" || to.startsWith("@aws-sdk/") || to === "sst" || to.startsWith("sst/");
    expect(offending(domain, transport)).toEqual([]);
    const shapes = domain.filter((f) =>
      /\b(SQSRecord|SQSEvent|SNSEvent|APIGateway\w*)\b/.test(readFileSync(join(ROOT, f), "utf8")),
    );
    expect(shapes).toEqual([]);
  });

  it("keeps the Lambda handlers leaves: only infra/, test/ and bench/ import functions/", () => {
    const callers = ["shared", "server", "scripts", "web"].flatMap(codeFiles);
    expect(offending(callers, (to) => to.startsWith("functions/"))).toEqual([]);
  });

  it("keeps tests out of what runs: nothing in shared/, server/, functions/ or scripts/ imports test/", () => {
    const running = ["shared", "server", "functions", "scripts"].flatMap(codeFiles);
    expect(offending(running, (to) => to.startsWith("test/"))).toEqual([]);
  });
});
