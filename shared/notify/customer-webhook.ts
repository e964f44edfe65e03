import { lookup as dnsLookup } from "node:dns/promises";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIPv6, type LookupFunction } from "node:net";
import type { Notice } from "../incidents/notice.ts";
import type { Audience } from "../quirks/rule.ts";
import { sign } from "../standard-webhooks.ts";
import { customerPayload } from "./customer-payload.ts";
import {
  assertPublicAddress,
  DestinationUrlError,
  type HostLookup,
  isPrivateAddress,
  validateDestinationUrl,
} from "./url-guard.ts";

/**
 * Delivers a notice to a customer's webhook, signed with Standard Webhooks. The webhook id is the
 * notice id, so a receiver can drop a redelivery. An internal destination gets the whole notice;
 * a customer-audience one the customer's payload (customer-payload.ts), with none of our ids. Redirects are not followed (they could lead
 * anywhere); the URL and its addresses are checked again before every attempt, and the address
 * actually connected to is checked as well, so DNS cannot answer differently the second time.
 */

export type WebhookDestination = { url: string; secret: string; audience?: Audience };

export type DeliveryResult =
  | { status: "delivered" }
  /** 410: the receiver says the endpoint is gone for good; the caller disables the destination. */
  | { status: "gone" }
  /** Not delivered; `retryable`: a timeout, the network, 408, 429 or 5xx (DNS failing for a moment). */
  | { status: "failed"; reason: string; retryable: boolean };

export type DeliveryOptions = {
  allowLocal: boolean;
  timeoutMs?: number;
  lookup?: HostLookup;
};

const DEFAULT_TIMEOUT_MS = 5_000;

async function systemLookup(hostname: string): Promise<string[]> {
  const results = await dnsLookup(hostname, { all: true, verbatim: true });
  return results.map((r) => r.address);
}

const failed = (reason: string): DeliveryResult => ({ status: "failed", reason, retryable: false });
const retryable = (reason: string): DeliveryResult => ({
  status: "failed",
  reason,
  retryable: true,
});

/**
 * A `lookup` for node:http that checks the address actually connected to, so a host that
 * resolved to a public address when validated cannot switch to a private one (DNS rebinding).
 */
function guardedLookup(resolveHost: HostLookup, allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    resolveHost(hostname).then(
      (addresses) => {
        try {
          if (addresses.length === 0) {
            throw new DestinationUrlError("unresolvable", `the host ${hostname} has no address`);
          }
          for (const address of addresses) {
            if (!(allowPrivate && isPrivateAddress(address))) assertPublicAddress(address);
          }
        } catch (error) {
          callback(error as Error, "", 0);
          return;
        }
        const resolved = addresses.map((address) => ({ address, family: isIPv6(address) ? 6 : 4 }));
        const first = resolved[0] as { address: string; family: number };
        if (options.all) (callback as AllAddressesCallback)(null, resolved);
        else callback(null, first.address, first.family);
      },
      () =>
        callback(
          new DestinationUrlError("unresolvable", `the host ${hostname} could not be resolved`),
          "",
          0,
        ),
    );
  };
}

type AllAddressesCallback = (
  error: NodeJS.ErrnoException | null,
  addresses: { address: string; family: number }[],
) => void;

/** One POST with node:http(s), whose `lookup` checks the address connected to. */
function post(
  url: URL,
  body: string,
  headers: Record<string, string>,
  options: { timeoutMs: number; lookup: LookupFunction },
): Promise<DeliveryResult> {
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let timedOut = false;
    const request = send(
      url,
      {
        method: "POST",
        headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
        lookup: options.lookup,
        // A fresh connection each time: a pooled socket would skip the address check.
        agent: false,
      },
      (response) => {
        clearTimeout(timer);
        // The body is not needed; release the connection.
        response.resume();
        resolve(classify(response.statusCode ?? 0));
      },
    );
    const timer = setTimeout(() => {
      timedOut = true;
      request.destroy();
    }, options.timeoutMs);
    request.on("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (timedOut) resolve(retryable(`timed out after ${options.timeoutMs} ms`));
      else if (error instanceof DestinationUrlError && error.reason !== "unresolvable") {
        resolve(failed(`destination URL rejected (${error.reason}): ${error.message}`));
      } else if (error instanceof DestinationUrlError) {
        resolve(retryable(`destination URL rejected: ${error.message}`));
      } else resolve(retryable(`network error${error.code ? ` (${error.code})` : ""}`));
    });
    request.end(body);
  });
}

function classify(status: number): DeliveryResult {
  if (status >= 200 && status < 300) return { status: "delivered" };
  if (status === 410) return { status: "gone" };
  if (status >= 300 && status < 400) return failed(`HTTP ${status}: redirects are not followed`);
  if (status === 408 || status === 429 || status >= 500) return retryable(`HTTP ${status}`);
  return failed(`HTTP ${status}`);
}

/** With ALLOW_PRIVATE_DESTINATIONS, loopback and private addresses may be connected to. */
function allowPrivate(options: DeliveryOptions): boolean {
  return options.allowLocal;
}

/**
 * One attempt to deliver `notice` to a customer's webhook; never throws for anything the
 * receiver, DNS or the network does. Retrying is the delivery retry stage's (retry-stage.ts).
 */
export async function sendCustomerWebhook(
  destination: WebhookDestination,
  notice: Notice,
  options: DeliveryOptions,
): Promise<DeliveryResult> {
  const body = JSON.stringify(
    destination.audience === "customer" ? customerPayload(notice) : notice,
  );
  let url: URL;
  try {
    url = await validateDestinationUrl(destination.url, {
      kind: "webhook",
      allowLocal: options.allowLocal,
      ...(options.lookup ? { lookup: options.lookup } : {}),
    });
  } catch (error) {
    if (!(error instanceof DestinationUrlError)) throw error;
    // DNS can fail for a moment; every other reason is the URL itself.
    if (error.reason === "unresolvable") {
      return retryable(`destination URL rejected: ${error.message}`);
    }
    return failed(`destination URL rejected (${error.reason}): ${error.message}`);
  }

  let signature: ReturnType<typeof sign>;
  try {
    signature = sign(destination.secret, notice.id, body);
  } catch (error) {
    return failed(`cannot sign: ${(error as Error).message}`);
  }

  return post(
    url,
    body,
    { ...signature, "content-type": "application/json", "user-agent": "Quirkwatch-Webhooks/1" },
    {
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      lookup: guardedLookup(options.lookup ?? systemLookup, allowPrivate(options)),
    },
  );
}
