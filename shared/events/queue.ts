/** One event on its way from ingest to the processor. `id` is unique within one send. */
export type QueueMessage = { id: string; body: string };

/** Resolves only once the queue has taken every message; otherwise throws. */
export interface EventQueue {
  send(messages: QueueMessage[]): Promise<void>;
}

/** The queue cannot take messages now, for a reason the sender should hear (a full disk). */
export class QueueUnavailable extends Error {
  override name = "QueueUnavailable";
}
