/**
 * Where a polled source keeps its position (e.g. the StackOne request-log poller's last
 * window end and its health), so a restart neither rereads everything nor skips anything.
 */
export interface CursorStore {
  get(name: string): Promise<string | undefined>;
  set(name: string, value: string): Promise<void>;
}
