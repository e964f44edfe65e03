/**
 * Splits items, in order, into the batches an AWS batch call takes: at most `maxEntries` each
 * and at most `maxBytes` in all (SQS SendMessageBatch and SNS PublishBatch: 10 and 256 KiB).
 */
export function batchesOf<T>(
  items: T[],
  bytesOf: (item: T) => number,
  limits: { maxEntries: number; maxBytes: number },
): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = bytesOf(item);
    const full =
      current.length === limits.maxEntries ||
      (current.length > 0 && bytes + size > limits.maxBytes);
    if (full) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}
