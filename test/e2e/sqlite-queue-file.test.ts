import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { leverRevoked } from "../support/factories.ts";
import { startTestStack } from "../support/in-process-stack.ts";
import { adminJson, postStackone } from "../support/local-stack.ts";

/**
 * queue.db (appended by the HTTP thread) beside quirkwatch.db (the processed mark, with the
 * incidents), through the whole stack, stopped and started again on the same DATA_DIR.
 */

const revoked = (id: string) => leverRevoked(id, "acct-queue-file");

/** Starts the stack on `dataDir`, sends `ids`, waits until they are processed; the total count. */
async function run(dataDir: string, ids: string[]): Promise<number> {
  const stack = await startTestStack({ dataDir });
  try {
    for (const id of ids) expect((await postStackone(stack.url, revoked(id))).status).toBe(202);
    await stack.settle();
    const { incidents } = await adminJson<{ incidents: { count: number }[] }>(
      stack,
      "/incidents?account_id=acct-queue-file",
    );
    return incidents.reduce((sum, i) => sum + i.count, 0);
  } finally {
    await stack.close();
  }
}

describe("the SQLite engine's queue file", () => {
  it("counts new events after a restart on a queue.db older than quirkwatch.db, as a restored backup is", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "quirkwatch-queue-file-"));
    const queueFile = join(dataDir, "queue.db");
    try {
      expect(await run(dataDir, ["a", "b"])).toBe(2);
      // Stopped: the whole queue is in the one file (its WAL was checkpointed on close).
      copyFileSync(queueFile, join(dataDir, "older-queue.db"));
      // Every row processed and deleted down to empty, across a restart.
      expect(await run(dataDir, ["c", "d", "e"])).toBe(5);
      // queue.db from before those three, beside quirkwatch.db that has counted them.
      copyFileSync(join(dataDir, "older-queue.db"), queueFile);
      expect(await run(dataDir, ["f", "g"])).toBe(7);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
