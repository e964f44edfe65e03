import { describe, expect, it } from "vitest";
import {
  assertPublicAddress,
  DestinationUrlError,
  type DestinationUrlReason,
  redactUrl,
  type UrlGuardOptions,
  validateDestinationUrl,
} from "../../shared/notify/url-guard.ts";

const PUBLIC_V4 = "93.184.215.14";
const PUBLIC_V6 = "2606:2800:21f:cb07:6820:80da:af6b:8b2c";

/** A resolver that answers `addresses` for every host, and records what it was asked. */
function resolver(...addresses: string[]) {
  const asked: string[] = [];
  const lookup = async (host: string) => {
    asked.push(host);
    return addresses;
  };
  return { lookup, asked };
}

const webhook = (lookup = resolver(PUBLIC_V4).lookup): UrlGuardOptions => ({
  kind: "webhook",
  allowLocal: false,
  lookup,
});

async function reason(url: string, options: UrlGuardOptions): Promise<DestinationUrlReason> {
  try {
    await validateDestinationUrl(url, options);
  } catch (error) {
    expect(error).toBeInstanceOf(DestinationUrlError);
    return (error as DestinationUrlError).reason;
  }
  throw new Error(`${url} was accepted`);
}

describe("validateDestinationUrl accepts", () => {
  it("a public https URL, resolving its host", async () => {
    const { lookup, asked } = resolver(PUBLIC_V4, PUBLIC_V6);
    const url = await validateDestinationUrl(
      "https://hooks.example.com/quirkwatch?x=1",
      webhook(lookup),
    );
    expect(url.href).toBe("https://hooks.example.com/quirkwatch?x=1");
    expect(asked).toEqual(["hooks.example.com"]);
  });

  it("public IP literals without asking DNS", async () => {
    const { lookup, asked } = resolver();
    await expect(
      validateDestinationUrl("https://8.8.8.8/x", webhook(lookup)),
    ).resolves.toBeInstanceOf(URL);
    await expect(
      validateDestinationUrl(`https://[${PUBLIC_V6}]/x`, webhook(lookup)),
    ).resolves.toBeInstanceOf(URL);
    expect(asked).toEqual([]);
  });

  it("a Slack incoming webhook for a Slack destination", async () => {
    const url = await validateDestinationUrl("https://hooks.slack.com/services/T0/B0/xyz", {
      ...webhook(),
      kind: "slack",
    });
    expect(url.hostname).toBe("hooks.slack.com");
  });
});

describe("validateDestinationUrl rejects", () => {
  it.each([
    ["not a URL", "not a url", "invalid_url"],
    ["plain http", "http://hooks.example.com/x", "insecure_scheme"],
    ["another scheme", "ftp://hooks.example.com/x", "unsupported_scheme"],
    ["file URLs", "file:///etc/passwd", "unsupported_scheme"],
    ["a user name and password", "https://user:pass@hooks.example.com/x", "userinfo"],
    ["a user name alone", "https://user@hooks.example.com/x", "userinfo"],
  ] as const)("%s", async (_, url, expected) => {
    expect(await reason(url, webhook())).toBe(expected);
  });

  // Literal hosts, in every notation WHATWG URL accepts; none of them reaches DNS.
  it.each([
    ["loopback", "https://127.0.0.1/x"],
    ["decimal loopback", "https://2130706433/x"],
    ["octal loopback", "https://0177.0.0.1/x"],
    ["hex loopback", "https://0x7f.1/x"],
    ["short loopback", "https://127.1/x"],
    ["the unspecified address", "https://0.0.0.0/x"],
    ["10/8", "https://10.1.2.3/x"],
    ["172.16/12", "https://172.31.255.1/x"],
    ["192.168/16", "https://192.168.0.1/x"],
    ["the metadata service", "https://169.254.169.254/latest/meta-data/"],
    ["the metadata service in decimal", "https://2852039166/latest/meta-data/"],
    ["carrier-grade NAT", "https://100.64.0.1/x"],
    ["multicast", "https://224.0.0.1/x"],
    ["broadcast", "https://255.255.255.255/x"],
    ["reserved 240/4", "https://240.0.0.1/x"],
    ["documentation TEST-NET-3", "https://203.0.113.5/x"],
    ["IPv6 loopback", "https://[::1]/x"],
    ["IPv6 unspecified", "https://[::]/x"],
    ["IPv6 link-local", "https://[fe80::1]/x"],
    ["IPv6 unique-local", "https://[fd12:3456::1]/x"],
    ["IPv6 multicast", "https://[ff02::1]/x"],
    ["IPv6 documentation", "https://[2001:db8::1]/x"],
    ["IPv4-mapped, dotted", "https://[::ffff:10.0.0.1]/x"],
    ["IPv4-mapped, hex", "https://[::ffff:a00:1]/x"],
    ["IPv4-mapped loopback", "https://[::ffff:127.0.0.1]/x"],
    ["NAT64 with a private IPv4", "https://[64:ff9b::10.0.0.1]/x"],
    ["6to4 wrapping a private IPv4", "https://[2002:a00:1::1]/x"],
    ["6to4 wrapping the metadata service", "https://[2002:a9fe:a9fe::]/x"],
  ])("%s (%s)", async (_, url) => {
    const { lookup, asked } = resolver(PUBLIC_V4);
    expect(await reason(url, webhook(lookup))).toBe("private_address");
    expect(asked).toEqual([]);
  });

  // Names that resolve to somewhere private.
  it.each([
    ["a private IPv4", ["10.0.0.7"]],
    ["loopback", ["127.0.0.1"]],
    ["the metadata service", ["169.254.169.254"]],
    ["IPv6 loopback", ["::1"]],
    ["an IPv4-mapped private address", ["::ffff:192.168.1.1"]],
    ["a link-local IPv6 with a zone", ["fe80::1%eth0"]],
    ["a public and a private address", [PUBLIC_V4, "10.0.0.7"]],
  ])("a host that resolves to %s", async (_, addresses) => {
    expect(
      await reason("https://rebind.example.com/x", webhook(resolver(...addresses).lookup)),
    ).toBe("private_address");
  });

  it("a host that does not resolve, or resolves to nothing", async () => {
    const failing = async () => {
      throw Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" });
    };
    expect(await reason("https://nowhere.example.com/x", webhook(failing))).toBe("unresolvable");
    expect(await reason("https://nowhere.example.com/x", webhook(resolver().lookup))).toBe(
      "unresolvable",
    );
  });

  it.each([
    ["another host", "https://example.com/services/T0/B0/x"],
    ["a look-alike host", "https://hooks.slack.com.evil.example/services/T0/B0/x"],
    ["another path", "https://hooks.slack.com/workflows/T0/B0/x"],
    ["another port", "https://hooks.slack.com:8443/services/T0/B0/x"],
  ])("a Slack destination on %s", async (_, url) => {
    expect(await reason(url, { ...webhook(), kind: "slack" })).toBe("not_slack_webhook");
  });
});

describe("allowLocal (ALLOW_PRIVATE_DESTINATIONS)", () => {
  const local = (kind: "slack" | "webhook"): UrlGuardOptions => ({
    kind,
    allowLocal: true,
    lookup: resolver(PUBLIC_V4).lookup,
  });

  it("accepts http://127.0.0.1 and http://localhost with a port, for both kinds", async () => {
    for (const kind of ["slack", "webhook"] as const) {
      await expect(
        validateDestinationUrl("http://127.0.0.1:9000/hook", local(kind)),
      ).resolves.toBeInstanceOf(URL);
      await expect(
        validateDestinationUrl("http://localhost:9000/hook", local(kind)),
      ).resolves.toBeInstanceOf(URL);
    }
  });

  it("is off by default: local URLs are rejected", async () => {
    expect(await reason("http://127.0.0.1:9000/hook", webhook())).toBe("insecure_scheme");
    expect(await reason("https://127.0.0.1:9000/hook", webhook())).toBe("private_address");
    expect(await reason("http://localhost:9000/hook", { ...webhook(), kind: "slack" })).toBe(
      "insecure_scheme",
    );
  });

  it("allows private networks over https, and never link-local, multicast or reserved", async () => {
    for (const url of [
      "https://10.0.0.1/x",
      "https://192.168.1.9/x",
      "https://[::1]/x",
      "https://[fd00::5]/x",
    ]) {
      await expect(validateDestinationUrl(url, local("webhook")), url).resolves.toBeInstanceOf(URL);
    }
    for (const url of ["https://169.254.169.254/x", "https://224.0.0.1/x", "https://[fe80::1]/x"]) {
      expect(await reason(url, local("webhook")), url).toBe("private_address");
    }
    const metadata = { ...local("webhook"), lookup: async () => ["169.254.169.254"] };
    expect(await reason("https://rebind.example.com/x", metadata)).toBe("private_address");
  });

  it("relaxes nothing else", async () => {
    expect(await reason("http://hooks.example.com/x", local("webhook"))).toBe("insecure_scheme");
    expect(await reason("http://10.0.0.1/x", local("webhook"))).toBe("insecure_scheme");
    expect(await reason("https://example.com/services/x", local("slack"))).toBe(
      "not_slack_webhook",
    );
    expect(await reason("http://user:pw@127.0.0.1:9000/x", local("webhook"))).toBe("userinfo");
  });
});

describe("assertPublicAddress", () => {
  it("accepts public addresses, including NAT64 and 6to4 of a public IPv4", () => {
    for (const address of [
      PUBLIC_V4,
      PUBLIC_V6,
      "64:ff9b::808:808",
      "2002:808:808::1",
      "::ffff:8.8.8.8",
    ]) {
      expect(() => assertPublicAddress(address)).not.toThrow();
    }
  });

  it("rejects private addresses and anything that is not an IP address", () => {
    for (const address of [
      "192.168.1.1",
      "[::1]",
      "64:ff9b::a00:1",
      "fc00::1",
      "example.com",
      "",
    ]) {
      expect(() => assertPublicAddress(address)).toThrow(DestinationUrlError);
    }
  });
});

describe("redactUrl", () => {
  it("keeps scheme, host and the first path segment, never the rest", () => {
    expect(redactUrl("https://hooks.slack.com/services/T000/B000/secret?token=abc")).toBe(
      "https://hooks.slack.com/services/…",
    );
    expect(redactUrl("https://user:pw@hooks.example.com:8443/a/b")).toBe(
      "https://hooks.example.com:8443/a/…",
    );
    expect(redactUrl("https://hooks.example.com")).toBe("https://hooks.example.com/…");
    expect(redactUrl("not a url")).toBe("[invalid url]");
  });
});
