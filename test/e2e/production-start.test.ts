/**
 * After `npm run build && npm prune --omit=dev`, `npm start` serves the dashboard and accepts
 * webhooks. The shared node_modules cannot be pruned, so the test builds into a folder of its
 * own and gives it a node_modules holding only the production packages (package-lock.json's
 * entries not marked `dev`), linked, with Node told to resolve from the links
 * (--preserve-symlinks): a development package imported at run time, tsx or esbuild included,
 * is not found there, and the start fails.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { buildForStart } from "../../scripts/build.ts";
import {
  adminJson,
  eventually,
  postStackone,
  type RunningStack,
  startLocalStack,
} from "../support/local-stack.ts";

const ROOT = join(import.meta.dirname, "../..");

/** The top-level packages a production install has: the lock file's, less development ones. */
function productionPackages(): string[] {
  const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as {
    packages: Record<string, { dev?: boolean }>;
  };
  return Object.entries(lock.packages)
    .filter(([path, entry]) => /^node_modules\/(@[^/]+\/)?[^/]+$/.test(path) && !entry.dev)
    .map(([path]) => path.slice("node_modules/".length));
}

let install: string;
let stack: RunningStack;

beforeAll(async () => {
  install = mkdtempSync(join(tmpdir(), "quirkwatch-production-"));
  await buildForStart(join(install, "dist"));
  // What `npm start` needs besides dist/: its script and the launcher.
  copyFileSync(join(ROOT, "package.json"), join(install, "package.json"));
  mkdirSync(join(install, "server"));
  copyFileSync(join(ROOT, "server", "launch.mjs"), join(install, "server", "launch.mjs"));
  for (const name of productionPackages()) {
    const link = join(install, "node_modules", name);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(join(ROOT, "node_modules", name), link, "dir");
  }
  stack = await startLocalStack({ NODE_OPTIONS: "--preserve-symlinks" }, undefined, install);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

it("has no development tool to run with", () => {
  for (const tool of ["tsx", "esbuild", "vitest", "dynalite"]) {
    expect(existsSync(join(install, "node_modules", tool)), tool).toBe(false);
  }
  expect(existsSync(join(install, "node_modules", "better-sqlite3"))).toBe(true);
});

it("starts from dist/ without building, and says how long it took", () => {
  expect(stack.output()).not.toMatch(/Building dist/);
  expect(stack.output()).toMatch(/ready in \d+ ms/);
});

it("serves the dashboard", async () => {
  const page = await fetch(`${stack.url}/`);
  expect(page.status).toBe(200);
  expect(page.headers.get("content-type")).toMatch(/text\/html/);
  expect(await page.text()).toContain("<title>Quirkwatch</title>");
});

it("accepts a signed webhook and turns it into an incident", async () => {
  const answer = await postStackone(stack.url, {
    id: "evt_production_1",
    event: "request.failed",
    event_date: new Date().toISOString(),
    account_id: "acc_production",
    provider: "lever",
    origin_owner_name: "Acme Corp",
    data: {
      request_id: "req_production_1",
      status: 401,
      request: { method: "GET", url: "https://api.stackone.com/unified/ats/candidates" },
      message: "Provider answered 401",
    },
  });
  expect(answer.status).toBe(202);
  const incidents = await eventually(async () => {
    const { incidents } = await adminJson<{ incidents: { rule_id: string }[] }>(
      stack,
      "/incidents?account_id=acc_production",
    );
    return incidents.length > 0 ? incidents : undefined;
  });
  expect(incidents.map((i) => i.rule_id)).toEqual(["lever.401"]);
});
