/**
 * A fixed-window limit per caller (the source address), for the one route anyone may call
 * without the admin token. In memory: per process on one machine, per container on Lambda,
 * where API Gateway's stage throttle bounds the whole. The map is bounded too: when full, it
 * starts over, which only ever lets callers through early.
 */
export class RateLimiter {
  private window = -1;
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly perWindow = 20,
    private readonly windowMs = 60_000,
    private readonly maxKeys = 10_000,
  ) {}

  /** Counts one request of `key`; false when it is over the limit of this window. */
  allow(key: string, nowMs: number): boolean {
    const window = Math.floor(nowMs / this.windowMs);
    if (window !== this.window || this.counts.size >= this.maxKeys) {
      this.window = window;
      this.counts.clear();
    }
    const count = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, count);
    return count <= this.perWindow;
  }
}
