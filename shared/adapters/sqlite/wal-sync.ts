import { closeSync, fsync, openSync } from "node:fs";

/** Something that resolves once everything committed before the call is on disk. */
export type Flush = { flush(): Promise<void>; close(): void };

/**
 * Durable commits that do not stop the committing thread: the WAL file is fsynced on libuv's
 * thread pool while the thread goes on appending and processing. One fsync covers every commit
 * made before it started (fsync is per file, and the WAL is replayed in order), so concurrent
 * waiters share it. This is what synchronous=FULL does at each commit, minus the blocking.
 */
export class WalSync implements Flush {
  private fd: number | undefined;
  private running = false;
  private waiting: { resolve(): void; reject(error: Error): void }[] = [];

  constructor(private readonly walPath: string) {}

  flush(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.next();
    });
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private next(): void {
    if (this.running || this.waiting.length === 0) return;
    const covered = this.waiting;
    this.waiting = [];
    this.running = true;
    const done = (error: Error | null) => {
      this.running = false;
      for (const waiter of covered) {
        if (error) waiter.reject(error);
        else waiter.resolve();
      }
      this.next();
    };
    try {
      // The connection keeps the WAL file for its whole life: open it once.
      this.fd ??= openSync(this.walPath, "r");
      fsync(this.fd, done);
    } catch (error) {
      done(error as Error);
    }
  }
}
