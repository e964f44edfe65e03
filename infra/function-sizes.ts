/**
 * Memory per function and ingest's front door: plain data, read by `infra/` and by
 * `npm run bench:cost`, which prices the deployed path with these very figures.
 */
export const FUNCTION_MEMORY_MB = {
  ingest: 1024,
  processor: 1024,
  api: 512,
  notifySlack: 512,
  notifyWebhook: 512,
  notifyPagerduty: 512,
  notifyEmail: 512,
} as const;

/** SST takes sizes as text, e.g. "512 MB". */
export const megabytes = (mb: number) => `${mb} MB` as const;

/**
 * How webhooks reach ingest: through the HTTP API (API Gateway, billed per request), or straight
 * to a Lambda function URL (free; the webhook's signature is its authentication).
 */
export const INGEST_FRONT_DOOR: "api-gateway" | "function-url" = "api-gateway";
