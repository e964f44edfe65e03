import { api } from "./http-api.ts";
import { reconnectSecret, stackoneApiKey } from "./secrets.ts";

/**
 * What a function that publishes notices needs to put reconnect links in them: the secret that
 * signs them and the API's URL (links), whether StackOne's key is set (as a flag, never the key),
 * and RECONNECT_LINK_DAYS when set at deploy.
 */
export const reconnectLinks = [reconnectSecret, api];

export function reconnectEnvironment(): Record<string, $util.Input<string>> {
  const days = process.env.RECONNECT_LINK_DAYS?.trim();
  return {
    STACKONE_API_KEY_SET: stackoneApiKey.value.apply((key) => (key ? "1" : "")),
    ...(days ? { RECONNECT_LINK_DAYS: days } : {}),
  };
}
