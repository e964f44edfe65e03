import * as z from "zod/mini";

/**
 * Every setting Quirkwatch reads, each parsed and checked with zod where it is read: a bad
 * value throws a ConfigError, one line naming the variable and what it takes. Deployed, values
 * come from SST links, which the AWS adapter hands in (shared/adapters/aws/sst-links.ts: this
 * module knows no SST); on one machine and in tests, from environment variables. No handler
 * reads `process.env`. Each getter is its own export, so a bundle only carries the links its
 * function uses. `serverConfig()` reads, at once, every setting the single node uses.
 */

export type Linked = { name?: string; url?: string; arn?: string; value?: string };

let readLink: (name: string) => Linked | undefined = () => undefined;

/** Where linked resources are read from: the AWS adapter sets SST's links here. */
export function readLinksFrom(reader: (name: string) => Linked | undefined): void {
  readLink = reader;
}

function linked(name: string): Linked | undefined {
  return readLink(name);
}

/** An optional secret keeps an empty placeholder when deployed: empty means unset. */
const set = (value: string | undefined) =>
  value === undefined || value === "" ? undefined : value;

function env(name: string): string | undefined {
  return set(process.env[name]);
}

/** A secret's value from its link, else from the environment. */
const secret = (name: string, envName: string) => set(linked(name)?.value) ?? env(envName);

/** A configuration value the operator got wrong; names the variable. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * `name`'s value through `schema`, or `fallback` when it is not set; a value the schema
 * refuses is a ConfigError saying what the variable takes (`takes`) and what it got.
 */
function parsed<T>(name: string, schema: z.ZodMiniType<T, string>, takes: string, fallback: T): T;
function parsed<T>(name: string, schema: z.ZodMiniType<T, string>, takes: string): T | undefined;
function parsed<T>(
  name: string,
  schema: z.ZodMiniType<T, string>,
  takes: string,
  fallback?: T,
): T | undefined {
  const value = env(name);
  if (value === undefined) return fallback;
  const result = schema.safeParse(value);
  if (!result.success) throw new ConfigError(`${name} must be ${takes} (got "${value}")`);
  return result.data;
}

/** A whole number from `min` to `max`. */
const whole = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.pipe(
    z.string().check(z.regex(/^\s*\d+\s*$/)),
    z.pipe(z.transform(Number), z.number().check(z.gte(min), z.lte(max))),
  );

/** A number, fractions allowed, at least `min`. */
const atLeast = (min: number) =>
  z.pipe(
    z.string().check(z.regex(/^\s*\d+(\.\d+)?\s*$/)),
    z.pipe(z.transform(Number), z.number().check(z.gte(min))),
  );

const httpUrl = z.url({ protocol: /^https?$/ });

function required(what: string, value: string | undefined): string {
  if (value === undefined) throw new Error(`Quirkwatch is not configured: ${what} is not set`);
  return value;
}

export const tableName = (): string =>
  required("the table name (TABLE_NAME)", linked("Table")?.name ?? env("TABLE_NAME"));

export const queueUrl = (): string =>
  required("the events queue (QUEUE_URL)", linked("Events")?.url ?? env("QUEUE_URL"));

export const alertsTopicArn = (): string =>
  required("the alerts topic (ALERTS_TOPIC_ARN)", linked("Alerts")?.arn ?? env("ALERTS_TOPIC_ARN"));

/** The current secret first, then the previous one while a rotation is under way. */
export const stackoneWebhookSecrets = (): string[] =>
  [
    secret("StackoneWebhookSecret", "STACKONE_WEBHOOK_SECRET"),
    secret("StackoneWebhookSecretPrevious", "STACKONE_WEBHOOK_SECRET_PREVIOUS"),
  ].filter((s): s is string => s !== undefined);

/** Standard Webhooks secret (`whsec_...`) for the generic source. */
export const genericWebhookSecret = (): string | undefined =>
  secret("GenericWebhookSecret", "GENERIC_WEBHOOK_SECRET");

export const adminToken = (): string | undefined => secret("AdminToken", "ADMIN_TOKEN");

export const slackWebhookUrl = (): string | undefined =>
  secret("SlackWebhookUrl", "SLACK_WEBHOOK_URL");

/** The sender of every email, e.g. `Quirkwatch <alerts@example.com>`; deployed, SES's identity. */
export const emailFrom = (): string | undefined => env("EMAIL_FROM");

/** One machine: the SMTP server email goes through (`smtp://user:pass@host:587`). A secret. */
export const smtpUrl = (): string | undefined => env("SMTP_URL");

/** Deployed: the SES configuration set each email names, when one is configured. */
export const sesConfigurationSet = (): string | undefined => env("SES_CONFIGURATION_SET");
/** Slack's signing secret for `POST /slack/actions`; without it, notices carry no action buttons. */
export const slackSigningSecret = (): string | undefined =>
  secret("SlackSigningSecret", "SLACK_SIGNING_SECRET");

/** PagerDuty's Events API v2 endpoint: settable for the EU service region and for tests. */
export const pagerdutyEventsUrl = (): string =>
  parsed(
    "PAGERDUTY_EVENTS_URL",
    httpUrl,
    "an http(s) URL",
    "https://events.pagerduty.com/v2/enqueue",
  );

/** The CloudWatch namespace of the EMF metrics: one per stage (infra sets it), so alarms don't mix them. */
export const metricsNamespace = (): string => env("QUIRKWATCH_METRICS_NAMESPACE") ?? "Quirkwatch";

/** Where people open the dashboard (deployed: the API's URL), for links in PagerDuty events. */
export const dashboardUrl = (): string | undefined =>
  parsed("QUIRKWATCH_URL", httpUrl, "an http(s) URL");

/** e.g. `https://app.example.com/integrations/{account_id}/reconnect` */
export const reauthUrlTemplate = (): string | undefined => env("REAUTH_URL_TEMPLATE");

/** Where the built dashboard (index.html) is in the API function's package. */
export const PACKAGED_PAGE_DIR = "/var/task/page";
export const pageDir = (): string => env("QUIRKWATCH_PAGE_DIR") ?? PACKAGED_PAGE_DIR;

export const rulesPath = (): string | undefined => env("QUIRKWATCH_RULES");

/**
 * ALLOW_PRIVATE_DESTINATIONS=1: subscriptions may point at loopback and private addresses
 * (http only for 127.0.0.1 and localhost). Off unless the operator opts in, on either engine.
 */
export const allowLocalUrls = (): boolean => env("ALLOW_PRIVATE_DESTINATIONS") === "1";

/** The StackOne API key the request-log poller reads logs with; the poller is off without it. */
export const stackoneApiKey = (): string | undefined =>
  secret("StackoneApiKey", "STACKONE_API_KEY");

/** https, or http on a loopback address (a test server): the API key must not cross a network in clear text. */
export function stackoneApiUrl(): string {
  const value = env("STACKONE_API_URL") ?? "https://api.stackone.com";
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {}
  const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(url?.hostname ?? "");
  if (url?.protocol !== "https:" && !(url?.protocol === "http:" && loopback)) {
    throw new ConfigError(
      `STACKONE_API_URL must be https (or http on 127.0.0.1, localhost or [::1]): the API key is sent with every request (got "${value}")`,
    );
  }
  return value;
}

/**
 * Whether StackOne's API key is set, for deployed functions that publish notices without
 * holding the key: `STACKONE_API_KEY_SET=1` says so (infra/reconnect.ts), never the key itself.
 */
export const stackoneApiKeyIsSet = (): boolean => env("STACKONE_API_KEY_SET") === "1";

/** The reconnect links' HMAC key: RECONNECT_SECRET, or deployed the ReconnectSecret secret. */
export const reconnectSecret = (): string | undefined =>
  secret("ReconnectSecret", "RECONNECT_SECRET");

/** Where customers reach Quirkwatch: deployed the API's URL (linked), else PUBLIC_URL. */
export const publicUrl = (): string | undefined => set(linked("Api")?.url) ?? env("PUBLIC_URL");

/** How many days a reconnect link works after its notice (RECONNECT_LINK_DAYS, 1 to 30). */
export const reconnectLinkDays = (): number =>
  parsed("RECONNECT_LINK_DAYS", whole(1, 30), "a whole number of days, 1 to 30", 7);

/** Seconds between two polls of the request logs (deployed: rounded up to whole minutes). */
export const stackonePollSeconds = (): number => positiveSeconds("STACKONE_POLL_SECONDS", 60);

/** How far each poll reads back over the last one, because StackOne indexes logs late. */
export const stackonePollOverlapSeconds = (): number =>
  positiveSeconds("STACKONE_POLL_OVERLAP_SECONDS", 120);

/** Provider incidents: how many distinct accounts within the window open one. */
export const providerIncidentAccounts = (): number =>
  positiveSeconds("PROVIDER_INCIDENT_ACCOUNTS", 5);

/** Provider incidents: the window, in seconds, the accounts are counted over. */
export const providerIncidentWindowSeconds = (): number =>
  positiveSeconds("PROVIDER_INCIDENT_WINDOW_SECONDS", 600);

/** How long a provider-side firing notice waits for a provider incident to form. */
export const providerGroupWaitSeconds = (): number =>
  positiveSeconds("PROVIDER_GROUP_WAIT_SECONDS", 60);

/** Notices each destination gets on its own per minute; the rest of the minute go in a digest. */
export const digestAfterPerMinute = (): number => positiveSeconds("DIGEST_AFTER_PER_MINUTE", 5);

/** A whole number, at least 1 (of seconds, accounts or notices, as `name` says). */
function positiveSeconds(name: string, fallback: number): number {
  return parsed(name, whole(1), "a whole number, at least 1", fallback);
}

// The single node's own settings (`npm start`).

/** The port `npm start` listens on (0 picks a free one), and `npm run demo` sends to. */
export const port = (): number => parsed("PORT", whole(0, 65_535), "a port, 0 to 65535", 3000);

export const host = (): string => env("HOST") ?? "127.0.0.1";

export const dataDir = (): string => env("DATA_DIR") ?? ".data";

/** DATA_MAX_MB: a cap on each database file, in megabytes; undefined picks one from the disk. */
export const dataMaxMb = (): number | undefined =>
  parsed("DATA_MAX_MB", atLeast(1), "a size in megabytes, 1 or more");

export const ENGINES = ["sqlite", "dynamodb"] as const;
export type EngineName = (typeof ENGINES)[number];

export const engine = (): EngineName =>
  parsed("QUIRKWATCH_ENGINE", z.enum(ENGINES), `an engine: ${ENGINES.join(" or ")}`, "sqlite");

/** With the dynamodb engine: a DynamoDB to use instead of dynalite. */
export const dynamoEndpoint = (): string | undefined =>
  parsed("DYNAMODB_ENDPOINT", httpUrl, "an http(s) URL");

/** Host names the single node answers for besides loopback and HOST. */
export const allowedHosts = (): string[] =>
  (env("ALLOWED_HOSTS") ?? "")
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");

/** How often the single node's sweeper runs. */
export const sweepIntervalSeconds = (): number => positiveSeconds("SWEEP_INTERVAL_SECONDS", 60);

/**
 * Every setting the single node reads, read and checked at once, so that `npm start` refuses a
 * bad one before it starts anything: the first ConfigError is thrown.
 */
export function serverConfig() {
  return {
    port: port(),
    host: host(),
    dataDir: dataDir(),
    dataMaxMb: dataMaxMb(),
    engine: engine(),
    dynamoEndpoint: dynamoEndpoint(),
    allowedHosts: allowedHosts(),
    sweepIntervalSeconds: sweepIntervalSeconds(),
    adminToken: adminToken(),
    stackoneWebhookSecrets: stackoneWebhookSecrets(),
    genericWebhookSecret: genericWebhookSecret(),
    stackoneApiKey: stackoneApiKey(),
    stackoneApiUrl: stackoneApiUrl(),
    stackonePollSeconds: stackonePollSeconds(),
    stackonePollOverlapSeconds: stackonePollOverlapSeconds(),
    slackWebhookUrl: slackWebhookUrl(),
    slackSigningSecret: slackSigningSecret(),
    smtpUrl: smtpUrl(),
    emailFrom: emailFrom(),
    pagerdutyEventsUrl: pagerdutyEventsUrl(),
    dashboardUrl: dashboardUrl(),
    publicUrl: publicUrl(),
    reauthUrlTemplate: reauthUrlTemplate(),
    reconnectSecret: reconnectSecret(),
    reconnectLinkDays: reconnectLinkDays(),
    rulesPath: rulesPath(),
    allowLocalUrls: allowLocalUrls(),
    providerIncidentAccounts: providerIncidentAccounts(),
    providerIncidentWindowSeconds: providerIncidentWindowSeconds(),
    providerGroupWaitSeconds: providerGroupWaitSeconds(),
    digestAfterPerMinute: digestAfterPerMinute(),
  };
}

export type ServerConfig = ReturnType<typeof serverConfig>;
