/**
 * SST's platform sources, read out of the installed `sst` binary, and the dependencies installed
 * for them in .sst/platform.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ElfFile, ElfFormatError } from "../../scripts/sst-platform/elf-file.ts";
import { EmbedTableNotFoundError, readEmbedFs } from "../../scripts/sst-platform/go-embed-fs.ts";
import {
  PLATFORM_DIR,
  ROOT,
  readPlatformSources,
  UnsupportedPlatformError,
} from "../../scripts/sst-platform/prepare-platform.ts";

const SST_BINARY = join(ROOT, "node_modules", "sst-linux-x64", "bin", "sst");

describe("the platform sources", () => {
  it("are SST's components, globals and package.json, byte for byte as the binary holds them", () => {
    const sources = readPlatformSources();
    for (const name of ["package.json", "src/global.d.ts", "src/components/aws/function.ts"]) {
      expect(readFileSync(join(PLATFORM_DIR, name)), name).toEqual(sources.get(name));
    }
  });

  it("have every exactly pinned dependency installed at its pinned version", () => {
    const { dependencies } = JSON.parse(
      readFileSync(join(PLATFORM_DIR, "package.json"), "utf8"),
    ) as { dependencies: Record<string, string> };
    const pinned = Object.entries(dependencies).filter(([, version]) => /^\d/.test(version));
    expect(pinned.map(([name]) => name)).toContain("@pulumi/aws");
    for (const [name, version] of pinned) {
      const installed = JSON.parse(
        readFileSync(join(PLATFORM_DIR, "node_modules", name, "package.json"), "utf8"),
      ) as { version: string };
      // A few packages (@pulumi/tls) say "v5.0.1" in their package.json.
      expect(installed.version.replace(/^v/, ""), name).toBe(version);
    }
  });
});

describe("reading the sst binary", () => {
  it("refuses, saying why, off Linux x64", () => {
    const arch = Object.getOwnPropertyDescriptor(process, "arch");
    Object.defineProperty(process, "arch", { value: "arm64" });
    try {
      expect(() => readPlatformSources()).toThrow(UnsupportedPlatformError);
      expect(() => readPlatformSources()).toThrow(/Linux x64.*linux-arm64/);
    } finally {
      if (arch) Object.defineProperty(process, "arch", arch);
    }
  });

  it("says so when no embedded file table lists the expected file", () => {
    const elf = new ElfFile(readFileSync(SST_BINARY));
    expect(() => readEmbedFs(elf, "src/components/no-such-component.ts")).toThrow(
      EmbedTableNotFoundError,
    );
  });

  it("says so when the file is not a Linux x64 executable", () => {
    expect(() => new ElfFile(readFileSync(join(ROOT, "package.json")))).toThrow(ElfFormatError);
  });
});
