/**
 * Memory per function: plain data, read by `infra/` and by
 * `npm run bench:cost`, which prices the deployed path with these very figures.
 */
export const FUNCTION_MEMORY_MB = {
  ingest: 512,
  processor: 512,
  api: 512,
  notifySlack: 512,
  notifyWebhook: 512,
  notifyPagerduty: 512,
  notifyEmail: 512,
} as const;

/** SST takes sizes as text, e.g. "512 MB". */
export const megabytes = (mb: number) => `${mb} MB` as const;
