import { existsSync, statfsSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { QueueMessage } from "../shared/events/queue.ts";

/**
 * DATA_MAX_MB's default and the check that warns before it is reached. The cap is per file; the
 * default gives each of the two files a quarter of the disk's free space at start (with what
 * they already hold), at least 64 MB and at most 4 GB: both together never take more than half.
 */

const MB = 1024 * 1024;
export const DEFAULT_MIN_MB = 64;
export const DEFAULT_MAX_MB = 4096;
/** Past this share of the cap, an internal incident says so. */
export const NEARLY_FULL = 0.8;

export function defaultDataMaxMb(dataDir: string, files: string[]): number {
  let dir = resolve(dataDir);
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  const disk = statfsSync(dir);
  const held = files.map((f) => sizeOf(join(dataDir, f)));
  const free = disk.bavail * disk.bsize + held.reduce((a, b) => a + b, 0);
  const share = Math.floor(free / 4 / MB);
  // Never below what a file already holds (with room to grow): the data already there still fits.
  const largest = Math.ceil((Math.max(0, ...held) * 1.5) / MB);
  return Math.max(DEFAULT_MIN_MB, largest, Math.min(DEFAULT_MAX_MB, share));
}

const sizeOf = (path: string) => (existsSync(path) ? statSync(path).size : 0);

/**
 * Once a minute on the engine: an event for each file past NEARLY_FULL of the cap. The rule
 * `quirkwatch.data_nearly_full` makes it an internal incident, which resolves once the events
 * stop (quiet).
 */
export function nearlyFullEvents(
  dataDir: string,
  files: string[],
  maxBytes: number | undefined,
  now: Date,
): QueueMessage[] {
  if (maxBytes === undefined) return [];
  const minute = Math.floor(now.getTime() / 60_000);
  return files.flatMap((file) => {
    const size = sizeOf(join(dataDir, file));
    if (size < maxBytes * NEARLY_FULL) return [];
    const percent = Math.round((size / maxBytes) * 100);
    const event = {
      id: `data-${file}-${minute}`,
      source: "quirkwatch",
      kind: "error",
      type: "quirkwatch.data_nearly_full",
      occurred_at: now.toISOString(),
      account: { id: "quirkwatch", name: "This Quirkwatch" },
      provider: "quirkwatch",
      error: {
        message: `${file} holds ${Math.round(size / MB)} MB, ${percent}% of DATA_MAX_MB (${Math.round(maxBytes / MB)} MB). At the cap, ingest answers 503 and senders must retry.`,
      },
    };
    return [{ id: event.id, body: JSON.stringify(event) }];
  });
}
