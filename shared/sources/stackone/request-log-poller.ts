import { createClassifier } from "../../classify/classifier.ts";
import type { Clock } from "../../clock.ts";
import type { EventQueue } from "../../events/queue.ts";
import type { QuirkRule } from "../../quirks/rule.ts";
import type { CursorStore } from "../cursor-store.ts";
import type { AccountNames } from "./account-names.ts";
import { logQueries } from "./log-queries.ts";
import type { PollReport } from "./poll-report.ts";
import { type PollDeps, pollRequestLogs } from "./poll-request-logs.ts";
import { RequestLogsClient } from "./request-logs-client.ts";

export type PollerConfig = {
  apiKey: string;
  apiUrl: string;
  overlapSeconds: number;
  /** The processor's rules: they say which logs matter and which need their detail. */
  rules: QuirkRule[];
  cursors: CursorStore;
  queue: EventQueue;
  /** How long one run may take. */
  runMs: number;
  clock: Clock;
  log?: PollDeps["log"];
};

/** Polls with StackOne's API and the rules' classifier and queries; each call is one run. */
export function requestLogPoller(config: PollerConfig): () => Promise<PollReport> {
  const classifier = createClassifier(config.rules);
  const queries = logQueries(config.rules);
  const names: AccountNames = new Map();
  return () => {
    const deadline = Date.now() + config.runMs;
    const api = new RequestLogsClient({
      baseUrl: config.apiUrl,
      apiKey: config.apiKey,
      deadline,
    });
    return pollRequestLogs({
      api,
      cursors: config.cursors,
      queue: config.queue,
      classifier,
      queries,
      names,
      limits: { overlapMs: config.overlapSeconds * 1000, deadline },
      clock: config.clock,
      log: config.log,
    });
  };
}
