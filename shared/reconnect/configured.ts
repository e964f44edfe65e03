import { publicUrl, reconnectLinkDays, reconnectSecret } from "../config.ts";
import { ReconnectLinks, type ReconnectSettings } from "../incidents/reconnect-links.ts";

/** What reconnect links need, from wherever the engine keeps it. */
export type LinksConfig = {
  apiKeySet: boolean;
  secret: string | undefined;
  publicUrl: string | undefined;
  days: number;
};

/**
 * The reconnect links, or why none are offered (the single node's banner says it). A link is a
 * credential: its public URL must be https, or http on this machine only.
 */
export function reconnectSettingsFrom(
  config: LinksConfig,
): { settings: ReconnectSettings } | { off: string } {
  if (!config.apiKeySet) {
    return { off: "set STACKONE_API_KEY: a click makes a StackOne connect session with it" };
  }
  if (config.publicUrl === undefined) {
    return { off: "set PUBLIC_URL to the address your customers reach this Quirkwatch at" };
  }
  if (config.secret === undefined) {
    return { off: "set the reconnect secret (npx sst secret set ReconnectSecret ...)" };
  }
  if (!isSafePublicUrl(config.publicUrl)) {
    return {
      off: `PUBLIC_URL must be an https:// address (http:// only on localhost), without query or fragment; ${config.publicUrl} is not`,
    };
  }
  return {
    settings: {
      secret: config.secret,
      publicUrl: config.publicUrl,
      ttlSeconds: config.days * 86_400,
    },
  };
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** A link is a credential: it may travel over a network only encrypted. */
function isSafePublicUrl(url: string): boolean {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  return (
    parsed !== undefined &&
    parsed.search === "" &&
    parsed.hash === "" &&
    (parsed.protocol === "https:" || (parsed.protocol === "http:" && LOOPBACK.has(parsed.hostname)))
  );
}

/**
 * Deployed: from the linked secret and the API's URL. `apiKeySet` comes from the caller, so a
 * function that only publishes notices need not hold StackOne's key to know it is set.
 */
export function configuredLinks(apiKeySet: boolean): ReconnectLinks | undefined {
  const result = reconnectSettingsFrom({
    apiKeySet,
    secret: reconnectSecret(),
    publicUrl: publicUrl(),
    days: reconnectLinkDays(),
  });
  return "settings" in result ? new ReconnectLinks(result.settings) : undefined;
}
