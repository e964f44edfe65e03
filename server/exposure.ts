import { hostname, networkInterfaces } from "node:os";
import type { Source } from "../shared/ingest/read-events.ts";
import { DEV_STACKONE_SECRET } from "./env.ts";
import { hostName } from "./http-server.ts";

/**
 * What the single node accepts depends on who can reach it. On a loopback HOST only this
 * machine can, and the published development secrets make trying it one command. On any other
 * HOST they would let anyone forge events: a webhook route whose secret is not set is off.
 */

/** Published in the README: for trying Quirkwatch on this machine only. */
export { DEV_STACKONE_SECRET };
export const DEV_GENERIC_SECRET = "whsec_cXVpcmt3YXRjaC1sb2NhbC1kZXZlbG9wbWVudC1rZXk=";

export function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  return name === "localhost" || name === "::1" || /^127(\.\d{1,3}){3}$/.test(name);
}

export type WebhookSecrets = {
  stackone: string[];
  generic: string | undefined;
  /** Sources that use a development secret (loopback only). */
  development: Source[];
  /** Sources switched off, and why, naming the variable to set. */
  off: Partial<Record<Source, string>>;
};

/** The secrets each webhook route checks on `host`, from what the operator configured. */
export function webhookSecrets(
  host: string,
  configured: { stackone: string[]; generic: string | undefined },
): WebhookSecrets {
  if (isLoopbackHost(host)) {
    return {
      stackone: configured.stackone.length > 0 ? configured.stackone : [DEV_STACKONE_SECRET],
      generic: configured.generic ?? DEV_GENERIC_SECRET,
      development: [
        ...(configured.stackone.length > 0 ? [] : ["stackone" as const]),
        ...(configured.generic === undefined ? ["generic" as const] : []),
      ],
      off: {},
    };
  }
  const stackone = configured.stackone.filter((s) => s !== DEV_STACKONE_SECRET);
  const generic = configured.generic === DEV_GENERIC_SECRET ? undefined : configured.generic;
  const why = (variable: string) =>
    `${variable} is not set, and on HOST=${host} (not loopback) the development secret is never accepted`;
  return {
    stackone,
    generic,
    development: [],
    off: {
      ...(stackone.length > 0 ? {} : { stackone: why("STACKONE_WEBHOOK_SECRET") }),
      ...(generic !== undefined ? {} : { generic: why("GENERIC_WEBHOOK_SECRET") }),
    },
  };
}

const WILDCARDS = new Set(["0.0.0.0", "::", "[::]"]);

/**
 * The Host header names the server answers for: this machine's loopback names, the bound host,
 * and ALLOWED_HOSTS; bound to every interface, also each interface's address and the machine's
 * name. A DNS-rebinding page always sends its own name, which is none of these.
 */
export function allowedHostNames(host: string, extra: string[]): Set<string> {
  const names = ["localhost", "127.0.0.1", "[::1]", host, ...extra];
  if (WILDCARDS.has(host)) {
    names.push(hostname());
    for (const addresses of Object.values(networkInterfaces())) {
      for (const a of addresses ?? [])
        names.push(a.family === "IPv6" ? `[${a.address}]` : a.address);
    }
  }
  const allowed = new Set<string>();
  for (const name of names) {
    // A bare IPv6 address (two colons or more) is written in brackets, as a Host header has it.
    const ipv6 = (name.match(/:/g)?.length ?? 0) > 1 && !name.startsWith("[");
    const bracketed = ipv6 ? `[${name}]` : name;
    const normal = hostName(bracketed.trim());
    if (normal) allowed.add(normal);
  }
  return allowed;
}
