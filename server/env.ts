import { existsSync } from "node:fs";
import { adminToken, dataDir, stackoneWebhookSecrets } from "../shared/config.ts";
import { savedAdminToken } from "./admin-token.ts";

/** The environment, then an optional `.env` (which never overrides what is already set). */
export function loadEnv(): void {
  if (existsSync(".env")) process.loadEnvFile(".env");
}

/** The StackOne webhook secret `npm start` checks when STACKONE_WEBHOOK_SECRET is not set. */
export const DEV_STACKONE_SECRET = "quirkwatch-dev-secret";

/**
 * What a command talking to the local stack (`npm run demo`, `npm run smoke`) signs webhooks
 * with and shows the admin API, found as `npm start` finds them (after `loadEnv`).
 */
export const localStackoneSecret = (): string => stackoneWebhookSecrets()[0] ?? DEV_STACKONE_SECRET;
/** ADMIN_TOKEN, else the token a stack started without it keeps in DATA_DIR. */
export const localAdminToken = (): string | undefined => adminToken() ?? savedAdminToken(dataDir());
