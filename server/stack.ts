import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NO_BODY, route, routeKeys, specOf } from "../shared/api/route.ts";
import { systemClock } from "../shared/clock.ts";
import type { EngineName } from "../shared/config.ts";
import { error, json } from "../shared/http.ts";
import { DEFAULT_LINK_DAYS } from "../shared/incidents/reconnect-links.ts";
import { createIngest } from "../shared/ingest/webhook-route.ts";
import { consoleSink, createLogger } from "../shared/log.ts";
import { count, MetricTotals, recordMetricsTo, rejectionReason } from "../shared/metrics.ts";
import { PAGERDUTY_EVENTS_URL } from "../shared/notify/pagerduty.ts";
import type { QuirkRule } from "../shared/quirks/rule.ts";
import { reconnectSettingsFrom } from "../shared/reconnect/configured.ts";
import { accountStatusLookup } from "../shared/sources/stackone/linked-accounts.ts";
import { ensureAdminToken } from "./admin-token.ts";
import { lockDataDir } from "./data-lock.ts";
import type { EngineStats, LocalEngine, SharedClock } from "./engine.ts";
import { allowedHostNames } from "./exposure.ts";
import { createHttpServer, type LocalHandler, type LocalRoute } from "./http-server.ts";
import { OUTBOX_ROUTE } from "./local-email.ts";
import { dashboardPage } from "./page.ts";
import { localMetrics } from "./prometheus.ts";
import { reconnectSecretIn } from "./reconnect-secret.ts";
import { type LocalPollerOptions, POLLER_TASK } from "./request-log-poll-task.ts";
import { StartupError } from "./startup-error.ts";

export type StackOptions = {
  /** 0 picks a free port. */
  port: number;
  host?: string;
  /** Where the engine keeps its data; a temporary folder, removed on close, when undefined. */
  dataDir?: string;
  /** `sqlite` (the default) or `dynamodb` (the deployed code path, on dynalite). */
  engine?: EngineName;
  /** The dynamodb engine: a DynamoDB to use instead of dynalite. */
  dynamoEndpoint?: string;
  /** The sqlite engine: a cap on each database file's size (DATA_MAX_MB), as a full disk would be. */
  maxBytes?: number;
  rules: QuirkRule[];
  stackoneSecrets: string[];
  genericSecret?: string;
  /** Webhook sources switched off, with the reason their route answers (404). */
  webhooksOff?: Partial<Record<string, string>>;
  /** The admin API's token; without one, the token kept in the data folder (made on first start). */
  adminToken?: string;
  /** Host header names answered besides loopback and the bound host (ALLOWED_HOSTS). */
  allowedHosts?: string[];
  sweepIntervalMs: number;
  log?: (line: string) => void;
  /** The default Slack channel: every notice is posted to it. */
  slackWebhookUrl?: string;
  /** SLACK_SIGNING_SECRET: notices carry action buttons, and `POST /slack/actions` is answered. */
  slackSigningSecret?: string;
  /** PAGERDUTY_EVENTS_URL; PagerDuty's own by default. */
  pagerdutyEventsUrl?: string;
  /**
   * PUBLIC_URL (or QUIRKWATCH_URL): where people reach this stack, when not where it listens (a
   * proxy). Reconnect links need it (and the StackOne key); dashboard links fall back to the port.
   */
  publicUrl?: string;
  reauthUrlTemplate?: string;
  /** SMTP_URL and EMAIL_FROM: email is sent through that server; printed when absent. */
  email?: { smtpUrl: string; from: string };
  /** Subscriptions may point at loopback and private addresses (ALLOW_PRIVATE_DESTINATIONS). */
  allowLocalUrls?: boolean;
  /** StackOne's request logs, polled when STACKONE_API_KEY is set. */
  stackonePoller?: LocalPollerOptions;
  /** RECONNECT_SECRET; else one is made and kept in the data folder. */
  reconnectSecret?: string;
  /** RECONNECT_LINK_DAYS. */
  reconnectLinkDays?: number;
  /** The processor's, sweeper's and delivery's clock; tests move it to reach reminders and quiet. */
  clock?: SharedClock;
};

export { ENGINES } from "../shared/config.ts";

/** What `GET /_local/stats` answers: the engine's counts and this process's peak memory. */
export type StackStats = EngineStats & { rejected: number; peak_rss_bytes: number };

export type Stack = Awaited<ReturnType<typeof startStack>>;

/** The whole pipeline on this machine: the same handlers as deployed, over one engine. */
export async function startStack(options: StackOptions) {
  // The terminal: the readable lines of this thread's logger and of the engine's worker.
  const line = options.log ?? ((text: string) => console.log(text));
  const log = createLogger(consoleSink(line));
  const temporary = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "quirkwatch-"));
  const lock = lockDataDir(dataDir);
  if (lock.notice) log.info(lock.notice);
  let engine: LocalEngine | undefined;
  // This thread's counts (ingest; every count of the dynamodb engine) for `GET /metrics`.
  const totals = new MetricTotals();
  const previousSink = recordMetricsTo(totals);
  try {
    const apiKeySet = options.stackonePoller !== undefined;
    const reconnect = reconnectSettingsFrom({
      apiKeySet,
      publicUrl: options.publicUrl,
      // Made only when it will be used.
      secret:
        options.reconnectSecret ??
        (apiKeySet && options.publicUrl ? reconnectSecretIn(dataDir) : undefined),
      days: options.reconnectLinkDays ?? DEFAULT_LINK_DAYS,
    });
    const token =
      options.adminToken !== undefined
        ? { token: options.adminToken, created: false, kept: false }
        : { ...ensureAdminToken(dataDir), kept: true };
    const settings = {
      dataDir,
      maxBytes: options.maxBytes,
      rules: options.rules,
      adminToken: token.token,
      slackWebhookUrl: options.slackWebhookUrl,
      slackSigningSecret: options.slackSigningSecret,
      pagerdutyEventsUrl: options.pagerdutyEventsUrl ?? PAGERDUTY_EVENTS_URL,
      // Known before listening only when the port is fixed; a test's port 0 gets no links.
      dashboardUrl:
        options.publicUrl ??
        (options.port ? `http://${options.host ?? "127.0.0.1"}:${options.port}` : undefined),
      reauthUrlTemplate: options.reauthUrlTemplate,
      email: options.email,
      allowLocalUrls: options.allowLocalUrls ?? false,
      sweepIntervalMs: options.sweepIntervalMs,
      stackonePoller: options.stackonePoller,
      reconnect: "settings" in reconnect ? reconnect.settings : undefined,
      page: await dashboardPage(),
    };
    // Only the chosen engine is loaded: each brings its own libraries.
    engine =
      options.engine === "dynamodb"
        ? await (await import("./dynamodb/dynamodb-engine.ts")).startDynamoEngine(
            { ...settings, endpoint: options.dynamoEndpoint },
            log,
            options.clock,
          )
        : await (await import("./sqlite/sqlite-engine.ts")).startSqliteEngine(
            { ...settings, clock: options.clock?.buffer },
            line,
          );
    const running = engine;

    let rejected = 0;
    const poller = options.stackonePoller;
    const ingest = createIngest({
      queue: running.queue,
      stackoneSecrets: options.stackoneSecrets,
      genericSecret: options.genericSecret,
      // An event's time is judged on the stack's clock, the one the processor counts with.
      clock: options.clock ?? systemClock,
      // The poller's key also reads an account's status when a webhook does not say it.
      accountStatus:
        poller && accountStatusLookup({ apiKey: poller.apiKey, baseUrl: poller.apiUrl }),
    });
    const webhook: LocalHandler = async (request) => {
      const result = await ingest(request);
      if (result.statusCode >= 400) {
        rejected += 1;
        log.info(
          `webhook rejected: ${sourceOf(request.params)} ${result.statusCode} ${reasonOf(result.body)}`,
        );
      }
      return result;
    };
    const off = options.webhooksOff ?? {};
    const routes: LocalRoute[] = [
      {
        ...specOf("POST /webhooks/{source}"),
        handler: webhook,
        // A source switched off is refused before its body is read.
        precheck: ({ params }) => {
          const reason = off[params.source ?? ""];
          return reason === undefined
            ? undefined
            : error(404, `webhooks from ${sourceOf(params)} are off`, [
                { path: "source", message: reason },
              ]);
        },
      },
      // The admin API and `GET /outbox` are the engine's to answer.
      ...[...routeKeys("admin").map(specOf), OUTBOX_ROUTE].map((spec) => ({
        ...spec,
        handler: running.handle,
      })),
      // For a load balancer or an orchestrator: no token, nothing but whether to send traffic.
      route("GET /healthz", "none", NO_BODY, async () => {
        const health = await running.health();
        return health.ok
          ? json(200, { status: "ok" })
          : json(503, { status: "unavailable", reason: health.reason });
      }),
      route("GET /metrics", "token", NO_BODY, localMetrics(running, totals)),
    ];
    const stats = async (): Promise<StackStats> => ({
      ...(await running.stats()),
      rejected,
      // Peak resident memory of the process, as the OS counts it (KiB).
      peak_rss_bytes: process.resourceUsage().maxRSS * 1024,
    });
    // Local only: what the pipeline did, for tests and the bench.
    routes.push(
      route("GET /_local/stats", "token", NO_BODY, async () => ({
        statusCode: 200,
        body: JSON.stringify(await stats()),
      })),
    );

    const host = options.host ?? "127.0.0.1";
    const server = createHttpServer(routes, {
      adminToken: token.token,
      // Behind a proxy, people (and customers clicking a reconnect link) arrive by the public name.
      allowedHosts: allowedHostNames(host, [
        ...(options.allowedHosts ?? []),
        ...(options.publicUrl && URL.canParse(options.publicUrl)
          ? [new URL(options.publicUrl).hostname]
          : []),
      ]),
      log,
      onRefused: (refused, params, answer) => {
        if (refused.path !== "/webhooks/{source}") return;
        rejected += 1;
        count("events_rejected", { reason: rejectionReason(answer.statusCode ?? 0) });
        log.info(
          `webhook rejected: ${sourceOf(params)} ${answer.statusCode} ${reasonOf(answer.body)}`,
        );
      },
    });
    await listen(server, options.port, host);
    const { port } = server.address() as AddressInfo;

    return {
      url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
      port,
      /** The admin token every admin route requires. */
      adminToken: token.token,
      /** Whether the token is the one kept in the data folder, and whether this start made it. */
      adminTokenKept: token.kept,
      adminTokenCreated: token.created,
      engine: running.name,
      dataDir,
      /** Whether alerts carry reconnect links, and why not when they do not (for the banner). */
      reconnect:
        "settings" in reconnect
          ? { on: true as const, days: reconnect.settings.ttlSeconds / 86_400 }
          : { on: false as const, why: reconnect.off },
      stats,
      sweepNow: () => running.runTask("sweeper"),
      /** Runs any periodic task now (`digests`, `clean-up`) and waits for it. */
      runTask: (name: string) => running.runTask(name),
      /** Polls StackOne's request logs now (when configured) and waits for it. */
      pollNow: () => running.runTask(POLLER_TASK),
      /** Resolves once everything accepted so far is processed and delivered (or waiting on a retry). */
      async settle(timeoutMs = 30_000) {
        const deadline = Date.now() + timeoutMs;
        while (!(await running.idle())) {
          if (Date.now() > deadline) throw new Error("the stack did not settle");
          await new Promise((r) => setTimeout(r, 10));
        }
      },
      /** Stops taking requests, then finishes everything already accepted. */
      async close() {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        await running.close();
        recordMetricsTo(previousSink);
        lock.release();
        if (temporary) rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await engine?.close().catch(() => undefined);
    recordMetricsTo(previousSink);
    lock.release();
    throw error;
  }
}

async function listen(server: ReturnType<typeof createHttpServer>, port: number, host: string) {
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE") {
        reject(
          new StartupError(
            `port ${port} on ${host} is in use: stop what uses it, or pick another port, e.g. PORT=${port + 1} npm start`,
          ),
        );
      } else reject(error);
    });
    server.listen(port, host, resolve);
  });
}

/** The webhook's source as a console line may show it: a short word, or a question mark. */
function sourceOf(params: Record<string, string | undefined> | undefined): string {
  const source = params?.source ?? "";
  return /^[\w-]{1,32}$/.test(source) ? source : "?";
}

/** The error ingest answered with, and the fields it names: never a value from the body. */
function reasonOf(body: string | undefined): string {
  try {
    const parsed = JSON.parse(body ?? "{}") as { error?: string; details?: { path?: string }[] };
    const paths = (parsed.details ?? []).map((d) => d.path).filter((p) => p);
    return `${parsed.error ?? "rejected"}${paths.length > 0 ? ` (${paths.join(", ")})` : ""}`;
  } catch {
    return "rejected";
  }
}
