import { createLogger, jsonSink, type Level } from "../../log.ts";

/**
 * The functions' logger: one JSON line per record on stdout, which CloudWatch reads field by
 * field. Lambda's own log level (AWS_LAMBDA_LOG_LEVEL) is honoured when set.
 */
const LEVELS = new Set<string>(["debug", "info", "warn", "error"]);
const configured = process.env.AWS_LAMBDA_LOG_LEVEL?.toLowerCase();

export const lambdaLog = createLogger(jsonSink(), {
  level: configured && LEVELS.has(configured) ? (configured as Level) : "info",
});
