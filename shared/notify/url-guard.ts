import { lookup as dnsLookup } from "node:dns/promises";
import { BlockList, isIPv4, isIPv6 } from "node:net";

/**
 * Destination URLs come from admins and customers; we POST to them from inside AWS. Only public
 * https hosts are allowed, so a destination cannot reach the metadata service, the VPC, or the
 * machine itself (SSRF). With ALLOW_PRIVATE_DESTINATIONS the operator allows loopback and private
 * addresses too, and http for 127.0.0.1 and localhost.
 */

export type DestinationKind = "slack" | "webhook";
export type HostLookup = (hostname: string) => Promise<string[]>;
export type UrlGuardOptions = { kind: DestinationKind; allowLocal: boolean; lookup?: HostLookup };

export type DestinationUrlReason =
  | "invalid_url"
  | "unsupported_scheme"
  | "insecure_scheme"
  | "userinfo"
  | "not_slack_webhook"
  | "unresolvable"
  | "private_address";

export class DestinationUrlError extends Error {
  override name = "DestinationUrlError";
  constructor(
    readonly reason: DestinationUrlReason,
    message: string,
  ) {
    super(message);
  }
}

const LOCAL_HOSTS = new Set(["127.0.0.1", "localhost"]);

/** IPv4 ranges that are not the public internet. */
const BLOCKED_V4: Array<[string, number]> = [
  ["0.0.0.0", 8], // "this network"
  ["10.0.0.0", 8], // private
  ["100.64.0.0", 10], // carrier-grade NAT
  ["127.0.0.0", 8], // loopback
  ["169.254.0.0", 16], // link-local, incl. the metadata service 169.254.169.254
  ["172.16.0.0", 12], // private
  ["192.0.0.0", 24], // IETF protocol assignments
  ["192.0.2.0", 24], // documentation (TEST-NET-1)
  ["192.88.99.0", 24], // 6to4 relay anycast
  ["192.168.0.0", 16], // private
  ["198.18.0.0", 15], // benchmarking
  ["198.51.100.0", 24], // documentation (TEST-NET-2)
  ["203.0.113.0", 24], // documentation (TEST-NET-3)
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, incl. broadcast 255.255.255.255
];

/**
 * IPv6: only global unicast (2000::/3) is public, minus these. Everything else (loopback,
 * unspecified, unique-local fc00::/7, link-local fe80::/10, multicast ff00::/8, IPv4-compatible)
 * lies outside 2000::/3. Addresses that embed an IPv4 address are checked by that address.
 */
const BLOCKED_V6: Array<[string, number]> = [
  ["2001::", 23], // IETF protocol assignments, incl. Teredo 2001::/32
  ["2001:db8::", 32], // documentation
  ["3fff::", 20], // documentation
];

const blockedV4 = new BlockList();
for (const [network, prefix] of BLOCKED_V4) blockedV4.addSubnet(network, prefix, "ipv4");
const blockedV6 = new BlockList();
for (const [network, prefix] of BLOCKED_V6) blockedV6.addSubnet(network, prefix, "ipv6");
const globalUnicast = new BlockList();
globalUnicast.addSubnet("2000::", 3, "ipv6");

/** The eight 16-bit groups of an IPv6 address (already known to be valid). */
function ipv6Groups(address: string): number[] {
  let text = address.split("%")[0] ?? address; // drop a zone id: fe80::1%eth0
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    const [a = 0, b = 0, c = 0, d = 0] = dotted[1].split(".").map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const parse = (part: string) =>
    part === "" ? [] : part.split(":").map((g) => Number.parseInt(g, 16));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

function v4FromGroups(high: number, low: number): string {
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join(".");
}

/** The IPv4 address an IPv6 address carries (mapped, NAT64, 6to4), if any. */
function embeddedIPv4(groups: number[]): string | undefined {
  const [g0, g1, g2, g3, g4, g5, g6 = 0, g7 = 0] = groups;
  // ::ffff:a.b.c.d (IPv4-mapped)
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0xffff) {
    return v4FromGroups(g6, g7);
  }
  // 64:ff9b::a.b.c.d (NAT64 well-known prefix)
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) {
    return v4FromGroups(g6, g7);
  }
  // 2002:aabb:ccdd::/48 (6to4)
  if (g0 === 0x2002 && g1 !== undefined && g2 !== undefined) return v4FromGroups(g1, g2);
  return undefined;
}

function privateAddress(address: string): DestinationUrlError {
  return new DestinationUrlError(
    "private_address",
    `the destination resolves to ${address}, which is not a public internet address`,
  );
}

/**
 * Loopback and private networks: what ALLOW_PRIVATE_DESTINATIONS opens. Link-local (the
 * metadata service), multicast and reserved addresses stay closed even then.
 */
const privateV4 = new BlockList();
for (const [network, prefix] of [
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
] as const)
  privateV4.addSubnet(network, prefix, "ipv4");
const privateV6 = new BlockList();
privateV6.addAddress("::1", "ipv6");
privateV6.addSubnet("fc00::", 7, "ipv6"); // unique local

/** True when `address` (an IP literal) is loopback or on a private network. */
export function isPrivateAddress(address: string): boolean {
  const bare = (address.startsWith("[") ? address.slice(1, -1) : address).split("%")[0] ?? "";
  if (isIPv4(bare)) return privateV4.check(bare, "ipv4");
  if (!isIPv6(bare)) return false;
  const groups = ipv6Groups(bare);
  const embedded = embeddedIPv4(groups);
  if (embedded !== undefined && groups[0] !== 0x2002) return privateV4.check(embedded, "ipv4");
  return privateV6.check(bare, "ipv6");
}

/** Throws DestinationUrlError unless `address` (an IP literal) is a public internet address. */
export function assertPublicAddress(address: string): void {
  const bare = address.startsWith("[") && address.endsWith("]") ? address.slice(1, -1) : address;
  if (isIPv4(bare)) {
    if (blockedV4.check(bare, "ipv4")) throw privateAddress(bare);
    return;
  }
  if (!isIPv6(bare)) {
    throw new DestinationUrlError("private_address", `${bare} is not an IP address`);
  }
  const groups = ipv6Groups(bare);
  const embedded = embeddedIPv4(groups);
  if (embedded !== undefined && blockedV4.check(embedded, "ipv4")) throw privateAddress(bare);
  // Mapped and NAT64 with a public IPv4 reach that address; 6to4 is checked as IPv6 as well.
  if (embedded !== undefined && groups[0] !== 0x2002) return;
  const unzoned = bare.split("%")[0] ?? bare;
  if (!globalUnicast.check(unzoned, "ipv6") || blockedV6.check(unzoned, "ipv6")) {
    throw privateAddress(bare);
  }
}

async function systemLookup(hostname: string): Promise<string[]> {
  const results = await dnsLookup(hostname, { all: true, verbatim: true });
  return results.map((r) => r.address);
}

function isLocalUrl(url: URL): boolean {
  return (url.protocol === "http:" || url.protocol === "https:") && LOCAL_HOSTS.has(url.hostname);
}

/**
 * Parses and checks a destination URL, resolving its host: every address must be public.
 * Throws DestinationUrlError with a `reason`.
 */
export async function validateDestinationUrl(url: string, options: UrlGuardOptions): Promise<URL> {
  if (!URL.canParse(url)) throw new DestinationUrlError("invalid_url", "not a valid URL");
  const parsed = new URL(url);

  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw new DestinationUrlError("unsupported_scheme", `${parsed.protocol} URLs are not allowed`);
  }
  if (parsed.username !== "" || parsed.password !== "") {
    throw new DestinationUrlError("userinfo", "URLs with a user name or password are not allowed");
  }
  if (options.allowLocal && isLocalUrl(parsed)) return parsed;
  if (parsed.protocol !== "https:") {
    throw new DestinationUrlError("insecure_scheme", "the URL must use https");
  }
  if (
    options.kind === "slack" &&
    !(
      parsed.hostname === "hooks.slack.com" &&
      parsed.port === "" &&
      parsed.pathname.startsWith("/services/")
    )
  ) {
    throw new DestinationUrlError(
      "not_slack_webhook",
      "a Slack destination must be an incoming webhook URL: https://hooks.slack.com/services/...",
    );
  }

  const host = parsed.hostname;
  if (isIPv4(host) || host.startsWith("[")) {
    if (!(options.allowLocal && isPrivateAddress(host))) assertPublicAddress(host);
    return parsed;
  }

  let addresses: string[];
  try {
    addresses = await (options.lookup ?? systemLookup)(host);
  } catch {
    throw new DestinationUrlError("unresolvable", `the host ${host} could not be resolved`);
  }
  if (addresses.length === 0) {
    throw new DestinationUrlError("unresolvable", `the host ${host} has no address`);
  }
  for (const address of addresses) {
    if (!(options.allowLocal && isPrivateAddress(address))) assertPublicAddress(address);
  }
  return parsed;
}

/** For logs: scheme, host and first path segment only (the logger redacts URL fields alike). */
export { redactUrl } from "../log.ts";
