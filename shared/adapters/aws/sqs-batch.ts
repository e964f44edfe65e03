import type { SQSBatchResponse, SQSRecord } from "aws-lambda";
import { type ProcessDeps, processBatch } from "../../incidents/process.ts";

/**
 * An SQS batch through the processor: each record a message (its `messageId` the id), and the
 * ids that failed as SQS's partial batch response, so only those are received again.
 */
export async function processSqsBatch(
  records: SQSRecord[],
  deps: ProcessDeps,
): Promise<SQSBatchResponse> {
  const failed = await processBatch(
    records.map((record) => ({ id: record.messageId, body: record.body })),
    deps,
  );
  return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
}
