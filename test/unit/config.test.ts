import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ConfigError, readLinksFrom, serverConfig, tableName } from "../../shared/config.ts";

afterEach(() => {
  vi.unstubAllEnvs();
  readLinksFrom(() => undefined);
});

describe("the single node's settings", () => {
  it("has a default for every one", () => {
    for (const name of ["PORT", "HOST", "DATA_DIR", "DATA_MAX_MB", "SWEEP_INTERVAL_SECONDS"])
      vi.stubEnv(name, "");
    expect(serverConfig()).toMatchObject({
      port: 3000,
      host: "127.0.0.1",
      dataDir: ".data",
      dataMaxMb: undefined,
      engine: "sqlite",
      sweepIntervalSeconds: 60,
    });
  });

  it("reads each as the type it is", () => {
    vi.stubEnv("PORT", "0");
    vi.stubEnv("DATA_MAX_MB", "1.5");
    vi.stubEnv("SWEEP_INTERVAL_SECONDS", " 5 ");
    vi.stubEnv("QUIRKWATCH_ENGINE", "dynamodb");
    vi.stubEnv("ALLOWED_HOSTS", "quirkwatch.lan, , alerts.example.com");
    expect(serverConfig()).toMatchObject({
      port: 0,
      dataMaxMb: 1.5,
      sweepIntervalSeconds: 5,
      engine: "dynamodb",
      allowedHosts: ["quirkwatch.lan", "alerts.example.com"],
    });
  });

  it("refuses any value that is not a port, naming PORT and the value, never a NaN", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (value) => {
        vi.stubEnv("PORT", value);
        const trimmed = value.trim();
        const valid = /^\d+$/.test(trimmed) && Number(trimmed) <= 65_535;
        if (valid) {
          expect(serverConfig().port).toBe(Number(trimmed));
        } else {
          expect(() => serverConfig()).toThrow(ConfigError);
          expect(() => serverConfig()).toThrow(/^PORT must be a port, 0 to 65535 \(got ".*"\)$/s);
        }
      }),
    );
  });

  it("refuses a sweep interval below a second, a size below a megabyte and an unknown engine", () => {
    for (const [name, value] of [
      ["SWEEP_INTERVAL_SECONDS", "0"],
      ["SWEEP_INTERVAL_SECONDS", "1m"],
      ["DATA_MAX_MB", "0.5"],
      ["DATA_MAX_MB", "-1"],
      ["QUIRKWATCH_ENGINE", "SQLite"],
      ["PAGERDUTY_EVENTS_URL", "events.pagerduty.com"],
      ["DYNAMODB_ENDPOINT", "ftp://127.0.0.1"],
    ] as const) {
      vi.stubEnv(name, value);
      expect(() => serverConfig(), `${name}=${value}`).toThrow(new RegExp(`^${name} must be`));
      vi.unstubAllEnvs();
    }
  });
});

describe("deployed settings", () => {
  it("come from the links the AWS adapter hands in, before the environment", () => {
    vi.stubEnv("TABLE_NAME", "from-env");
    expect(tableName()).toBe("from-env");
    readLinksFrom((name) => (name === "Table" ? { name: "from-link" } : undefined));
    expect(tableName()).toBe("from-link");
  });
});
