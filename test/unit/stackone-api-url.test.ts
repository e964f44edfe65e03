import { afterEach, describe, expect, it, vi } from "vitest";
import { ConfigError, stackoneApiUrl } from "../../shared/config.ts";

afterEach(() => vi.unstubAllEnvs());

describe("STACKONE_API_URL", () => {
  it("must be https: the API key would otherwise cross the network in clear text", () => {
    for (const url of [
      "http://api.stackone.com",
      "http://10.0.0.5:8080",
      "ftp://api.stackone.com",
      "api.stackone.com",
    ]) {
      vi.stubEnv("STACKONE_API_URL", url);
      expect(() => stackoneApiUrl(), url).toThrow(ConfigError);
      expect(() => stackoneApiUrl(), url).toThrow(/STACKONE_API_URL must be https/);
    }
  });

  it("may be http on a loopback address, as a test server is", () => {
    for (const url of [
      "http://127.0.0.1:4010",
      "http://localhost:4010",
      "http://[::1]:4010",
      "https://api.stackone.com",
    ]) {
      vi.stubEnv("STACKONE_API_URL", url);
      expect(stackoneApiUrl()).toBe(url);
    }
    vi.stubEnv("STACKONE_API_URL", "");
    expect(stackoneApiUrl()).toBe("https://api.stackone.com");
  });
});
