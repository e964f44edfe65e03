/**
 * A clock tests can set, shared with the engine's worker thread: the processor, the sweeper and
 * delivery read it there. Backed by a SharedArrayBuffer, so setting it needs no message.
 */
export class ManualClock {
  private readonly ms: Float64Array;

  constructor(start: number | SharedArrayBuffer = Date.now()) {
    this.ms = new Float64Array(
      typeof start === "number" ? new SharedArrayBuffer(Float64Array.BYTES_PER_ELEMENT) : start,
    );
    if (typeof start === "number") this.ms[0] = start;
  }

  /** What a worker thread needs to read the same clock. */
  get buffer(): SharedArrayBuffer {
    return this.ms.buffer as SharedArrayBuffer;
  }

  now = (): Date => new Date(this.ms[0] ?? 0);

  set(ms: number): void {
    this.ms[0] = ms;
  }

  advance(ms: number): void {
    this.ms[0] = (this.ms[0] ?? 0) + ms;
  }
}
