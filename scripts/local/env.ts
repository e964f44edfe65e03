import { existsSync } from "node:fs";

/** The environment, then an optional `.env` (which never overrides what is already set). */
export function loadEnv(): void {
  if (existsSync(".env")) process.loadEnvFile(".env");
}

/** The port `npm start` listens on, and `npm run demo` sends to. */
export const configuredPort = (): number => Number(process.env.PORT || 3000);
export const configuredHost = (): string => process.env.HOST || "127.0.0.1";
export const configuredDataDir = (): string => process.env.DATA_DIR || ".data";
