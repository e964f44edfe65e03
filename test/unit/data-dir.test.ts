import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { lockDataDir } from "../../server/data-lock.ts";
import { openEventQueue } from "../../shared/adapters/sqlite/event-queue.ts";
import { openSqliteStores } from "../../shared/adapters/sqlite/stores.ts";

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function fresh(): string {
  const root = mkdtempSync(join(tmpdir(), "quirkwatch-data-dir-"));
  roots.push(root);
  return join(root, "data");
}

const mode = (path: string) => statSync(path).mode & 0o777;

/** The single node's start, as far as the data folder goes: lock, queue, engine; then a write. */
function start(dataDir: string) {
  const lock = lockDataDir(dataDir);
  const queue = openEventQueue(dataDir);
  const engine = openSqliteStores(dataDir, ["console"]);
  queue.db.exec("INSERT INTO queue (body) VALUES ('{}')");
  return {
    lock,
    close() {
      engine.close();
      queue.close();
      lock.release();
    },
  };
}

describe("DATA_DIR, which holds webhook secrets and Slack URLs", () => {
  it("is created 0700, with every file in it 0600", () => {
    const dir = fresh();
    const stack = start(dir);
    expect(stack.lock.notice).toBeUndefined();
    expect(mode(dir).toString(8)).toBe("700");
    const files = readdirSync(dir);
    expect(files).toEqual(expect.arrayContaining(["queue.db", "quirkwatch.db", "queue.db-wal"]));
    for (const file of files)
      expect(`${file} ${mode(join(dir, file)).toString(8)}`).toBe(`${file} 600`);
    stack.close();
  });

  it("is tightened when it exists with wider permissions, and says so in one line", () => {
    const dir = fresh();
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, "quirkwatch.db"), "");
    chmodSync(join(dir, "quirkwatch.db"), 0o644);
    const stack = start(dir);
    expect(stack.lock.notice).toMatch(
      /^DATA_DIR .* was open to other users \(755\); it is now 700$/,
    );
    expect(mode(dir).toString(8)).toBe("700");
    for (const file of readdirSync(dir)) expect(mode(join(dir, file)).toString(8)).toBe("600");
    stack.close();
  });
});
