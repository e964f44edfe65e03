import { ConnectSessionsClient } from "../sources/stackone/connect-sessions.ts";
import { RequestLogsClient } from "../sources/stackone/request-logs-client.ts";
import type { ConnectSessionsApi, LinkedAccounts } from "./click.ts";

/** StackOne's API as a click on a reconnect link uses it; nothing without the API key. */
export function reconnectStackone(
  apiKey: string | undefined,
  apiUrl: string,
): { sessions: ConnectSessionsApi; accounts: LinkedAccounts } | undefined {
  if (apiKey === undefined) return undefined;
  return {
    sessions: new ConnectSessionsClient({ baseUrl: apiUrl, apiKey }),
    // The account's owner, when the incident does not name it: a click is waited on, so briefly.
    accounts: new RequestLogsClient({
      baseUrl: apiUrl,
      apiKey,
      retrying: { policy: { attempts: 2 } },
      timeoutMs: 5_000,
    }),
  };
}
