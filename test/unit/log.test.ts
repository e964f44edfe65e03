import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  consoleSink,
  createLogger,
  jsonSink,
  type LogRecord,
  memorySink,
} from "../../shared/log.ts";

function both() {
  const json: string[] = [];
  const text: string[] = [];
  const jsonLog = createLogger(jsonSink((line) => json.push(line)));
  const textLog = createLogger(consoleSink((line) => text.push(line)));
  return {
    json,
    text,
    log: (level: "info" | "warn", message: string, fields: Record<string, unknown>) => {
      jsonLog[level](message, fields);
      textLog[level](message, fields);
    },
  };
}

describe("log", () => {
  it("writes one JSON line per record on Lambda: level, message and fields", () => {
    const lines: string[] = [];
    const log = createLogger(jsonSink((line) => lines.push(line))).child({ scope: "slack" });
    log.warn("delivery failed", { notice: "n1", attempts: 3 });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toEqual({
      level: "warn",
      message: "delivery failed",
      scope: "slack",
      notice: "n1",
      attempts: 3,
    });
  });

  it("writes a readable line on a terminal", () => {
    const lines: string[] = [];
    const log = createLogger(consoleSink((line) => lines.push(line)));
    log.child({ scope: "outbox" }).error("gave up", { notice: "n1", reason: "HTTP 503 busy" });
    log.info("started");
    expect(lines).toEqual(['outbox: error: gave up notice=n1 reason="HTTP 503 busy"', "started"]);
  });

  it("drops records below its level", () => {
    const sink = memorySink();
    const log = createLogger(sink, { level: "warn" });
    log.debug("a");
    log.info("b");
    log.warn("c");
    log.error("d");
    expect(sink.records.map((r: LogRecord) => r.message)).toEqual(["c", "d"]);
  });

  it("never writes a value under a secret's name, at any depth, in either sink", () => {
    const secretName = fc.constantFrom(
      "token",
      "admin_token",
      "secret",
      "webhookSecret",
      "signature",
      "authorization",
      "Authorization",
      "password",
      "api_key",
      "apiKey",
      "routing_key",
    );
    fc.assert(
      fc.property(
        secretName,
        fc.string({ minLength: 12, maxLength: 40 }).filter((s) => /^[A-Za-z0-9]+$/.test(s)),
        fc.boolean(),
        (name, value, nested) => {
          const { json, text, log } = both();
          const fields = nested ? { request: { headers: { [name]: value } } } : { [name]: value };
          log("info", "request", fields);
          expect(json.join("\n")).not.toContain(value);
          expect(text.join("\n")).not.toContain(value);
        },
      ),
    );
  });

  it("shows a webhook URL's host but never its path, named as a URL field or not", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("url", "target", "webhook_url", "endpoint"),
        fc.string({ minLength: 16, maxLength: 40 }).filter((s) => /^[A-Za-z0-9]+$/.test(s)),
        (name, path) => {
          const { json, text, log } = both();
          const url = `https://hooks.slack.com/services/T0/B0/${path}`;
          log("warn", `posting to ${url} failed`, { [name]: url, detail: { note: url } });
          for (const out of [json.join("\n"), text.join("\n")]) {
            expect(out).not.toContain(path);
            expect(out).toContain("hooks.slack.com");
          }
        },
      ),
    );
  });

  it("hides Standard Webhooks secrets and bearer tokens wherever they are in text", () => {
    const { json, text, log } = both();
    log("warn", "bad header Bearer abcdefgh12345678", {
      error: new Error("cannot sign with whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
    });
    for (const out of [json.join("\n"), text.join("\n")]) {
      expect(out).not.toContain("abcdefgh12345678");
      expect(out).not.toContain("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    }
  });

  it("hides a destination that is not a web URL (an email address, a key)", () => {
    const sink = memorySink();
    createLogger(sink).info("sent", { target: "ops@example.com" });
    expect(sink.records[0]?.fields.target).toBe("[redacted]");
  });
});
