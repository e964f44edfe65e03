// `npm start`: runs the single node from dist/ (server/start.ts, built by `npm run build`), with
// plain Node and production dependencies only. It builds first when dist/ is missing or older
// than the sources, so `npm ci && npm start` still works in one step. Plain JavaScript: it runs
// before anything is built, and where no TypeScript tool is installed.
// `node server/launch.mjs --build-only` makes dist/ current and stops (the tests' global setup).
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const entry = `${root}dist/server/start.mjs`;
/** What dist/server and dist/page are built from. */
const SOURCES = [
  "server",
  "shared",
  "web",
  "scripts/build.ts",
  "scripts/build-page.ts",
  "package-lock.json",
];
const LOCK = `${root}dist/.building`;

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const name of readdirSync(path)) latest = Math.max(latest, newest(`${path}/${name}`));
  return latest;
}

function stale() {
  if (!existsSync(entry)) return true;
  const built = statSync(entry).mtimeMs;
  return SOURCES.some((source) => existsSync(root + source) && newest(root + source) > built);
}

const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** One build at a time: starts at once (the tests start many) wait for the first one's. */
function withLock(run) {
  mkdirSync(`${root}dist`, { recursive: true });
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      const owner = Number(readFileSync(`${LOCK}/pid`, { encoding: "utf8", flag: "a+" }));
      try {
        if (owner > 0) process.kill(owner, 0);
        sleep(200);
      } catch {
        rmSync(LOCK, { recursive: true, force: true }); // its builder is gone
      }
    }
  }
  writeFileSync(`${LOCK}/pid`, String(process.pid));
  try {
    return run();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

if (stale()) {
  const tools = existsSync(`${root}node_modules/esbuild`) && existsSync(`${root}node_modules/tsx`);
  if (!tools && !existsSync(entry)) {
    console.error(
      "Quirkwatch cannot start: dist/ is not built, and this install has no build tools (a production install): run `npm ci && npm run build` first",
    );
    process.exit(2);
  }
  if (!tools) {
    console.error(
      "dist/ is older than the sources, and this install cannot build: starting dist/ as it is",
    );
  } else {
    withLock(() => {
      if (!stale()) return; // built while this start waited
      console.log("Building dist/ (missing or older than the sources)...");
      const build = spawnSync(
        process.execPath,
        ["--import", "tsx", "scripts/build.ts", "--server"],
        {
          cwd: root,
          stdio: ["ignore", "inherit", "inherit"],
        },
      );
      if (build.status !== 0) {
        console.error("Quirkwatch cannot start: `npm run build` failed (above)");
        process.exit(2);
      }
    });
  }
}
if (!process.argv.includes("--build-only")) await import(entry);
