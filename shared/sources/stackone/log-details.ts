import type { Classifier } from "../../classify/classifier.ts";
import type { DetailNeed } from "../../classify/rule-checks.ts";
import type { IntegrationEvent } from "../../events/event.ts";
import { EventValidationError } from "../../events/parse-event.ts";
import { providerMessage } from "../../events/provider-message.ts";
import { effectOf } from "../../incidents/batch.ts";
import { normalizeStackone } from "./normalize.ts";
import { type PollLog, type PollReport, Stopped } from "./poll-report.ts";
import type { RequestLog, RequestLogsApi } from "./request-logs-client.ts";

/**
 * Which request logs a poll reads in detail (`GET /requests/logs/{id}?include=advanced_logs`:
 * request and response bodies, the provider's error, all advanced-log data). A detail is fetched
 * only when it can change the answer or is the only source of the provider's words, within
 * `maxDetails` per run:
 * - when a rule that could match needs a request body or the provider's error: every such log;
 * - when one needs only a response body (what the provider returns for an account, e.g. Hibob
 *   employees without employment status): one log per account and endpoint per run;
 * - otherwise, for the provider's words: one log per incident per run (the incident keeps the
 *   words of the newest event that had them).
 * A log that needs its detail once the budget is spent stops the run (`Stopped("details")`): it
 * waits for the next one. One instance serves one run; it counts into that run's report.
 */
export class LogDetails {
  /** Incidents whose provider's words this run already fetched. */
  private readonly worded = new Set<string>();
  /** Accounts and endpoints whose response this run already sampled. */
  private readonly sampled = new Set<string>();

  constructor(
    private readonly api: Pick<RequestLogsApi, "getLog">,
    private readonly classifier: Classifier,
    private readonly maxDetails: number,
    private readonly report: PollReport,
    private readonly log: PollLog,
    /** The run's time: stands in for a log that carries none. */
    private readonly now: Date,
  ) {}

  /** The event for one log, with its detail when needed; undefined when the log is no event. */
  async eventOf(entry: RequestLog): Promise<IntegrationEvent | undefined> {
    const summary = this.normalize(entry);
    if (summary === undefined) return undefined;
    const need = this.classifier.needsDetail(summary);
    if (need !== undefined) {
      const onlyResponse = !need.request_body && !need.provider_error;
      const endpoint = `${summary.account.id}\n${summary.provider}\n${summary.resource ?? summary.http?.path}`;
      if (onlyResponse && this.sampled.has(endpoint)) return summary;
      if (this.report.details >= this.maxDetails) throw new Stopped("details");
      this.sampled.add(endpoint);
      const detailed = await this.detailed(summary);
      if (detailed !== undefined) this.sawBodies(need, detailed);
      return detailed ?? summary;
    }
    const effect = effectOf(summary, this.classifier);
    // Only a failed request has the provider's words to fetch.
    if (effect.kind !== "count" || summary.kind !== "error") return summary;
    if (providerMessage(summary) !== undefined) return summary;
    if (this.worded.has(effect.incidentId) || this.report.details >= this.maxDetails) {
      return summary;
    }
    this.worded.add(effect.incidentId);
    return (await this.detailed(summary)) ?? summary;
  }

  private async detailed(summary: IntegrationEvent): Promise<IntegrationEvent | undefined> {
    this.report.details += 1;
    const detail = await this.api.getLog(summary.id);
    // Gone since it was listed: the summary is all there is.
    return detail === undefined ? undefined : this.normalize({ ...detail, request_id: summary.id });
  }

  /** Whether a detail has the bodies a rule asked it for: advanced logs are on, or off. */
  private sawBodies(need: DetailNeed, detail: IntegrationEvent): void {
    const missing =
      (need.request_body && detail.request_body === undefined) ||
      (need.response_body && detail.response_body === undefined);
    if (!need.request_body && !need.response_body) return;
    // One log without its bodies in a run is enough to say so.
    this.report.advancedLogs = missing || this.report.advancedLogs === "off" ? "off" : "on";
  }

  /** A log as an event whose id is its request id; undefined (and counted) when it is not one. */
  private normalize(entry: RequestLog): IntegrationEvent | undefined {
    const requestId = typeof entry.request_id === "string" ? entry.request_id : undefined;
    try {
      if (requestId === undefined)
        throw new EventValidationError([{ path: "request_id", message: "required" }]);
      return normalizeStackone({ ...entry, id: requestId }, JSON.stringify(entry), this.now);
    } catch (error) {
      if (!(error instanceof EventValidationError)) throw error;
      this.report.skipped += 1;
      this.log.warn("request log skipped", { request_id: requestId, reason: error.message });
      return undefined;
    }
  }
}
