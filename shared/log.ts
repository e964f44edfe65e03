/**
 * The one logger. A module takes a `Logger` and writes records (level, message, fields); where
 * they go is the entry point's choice of sink: JSON lines on Lambda (CloudWatch reads the
 * fields), a readable line on a terminal. Fields named like secrets are redacted on the way out,
 * whatever the module meant, so no sink can print a token, a signature or a webhook URL's path.
 */

export type Level = "debug" | "info" | "warn" | "error";
export type Fields = Record<string, unknown>;
export type LogRecord = { level: Level; message: string; fields: Fields };
/** Where records go. A sink gets them already redacted. */
export type Sink = (record: LogRecord) => void;

export interface Logger {
  debug(message: string, fields?: Fields): void;
  info(message: string, fields?: Fields): void;
  warn(message: string, fields?: Fields): void;
  error(message: string, fields?: Fields): void;
  /** A logger whose records carry `fields` too (`{ scope: "slack" }`). */
  child(fields: Fields): Logger;
}

const RANK: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function createLogger(sink: Sink, options: { level?: Level; fields?: Fields } = {}): Logger {
  const least = RANK[options.level ?? "info"];
  const base = options.fields ?? {};
  const write = (level: Level) => (message: string, fields?: Fields) => {
    if (RANK[level] < least) return;
    sink({
      level,
      message: redactText(message),
      fields: redactFields(fields ? { ...base, ...fields } : base),
    });
  };
  return {
    debug: write("debug"),
    info: write("info"),
    warn: write("warn"),
    error: write("error"),
    child: (fields) => createLogger(sink, { ...options, fields: { ...base, ...fields } }),
  };
}

/** Writes nothing: for tests that do not look at logs. */
export const silentLogger: Logger = createLogger(() => {});

/** A sink that keeps records, for tests that do. */
export function memorySink(): Sink & { records: LogRecord[] } {
  const records: LogRecord[] = [];
  return Object.assign((record: LogRecord) => void records.push(record), { records });
}

/**
 * One line on standard output. Lambda sends each line to CloudWatch as it is (the JSON log
 * records and the EMF metric lines, shared/metrics-emf.ts, both go through here).
 */
export const stdoutLine = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

/** One line on standard error. */
export const stderrLine = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** JSON lines, `{"level":"warn","message":"…",…fields}`: for Lambda and CloudWatch. */
export function jsonSink(write: (line: string) => void = stdoutLine): Sink {
  return ({ level, message, fields }) => write(JSON.stringify({ level, message, ...fields }));
}

/** For a module whose caller named no logger: JSON lines on standard error, never lost. */
export const fallbackLog: Logger = createLogger(jsonSink(stderrLine));

/**
 * A readable line for a terminal: `slack: delivery failed notice=n1 reason="HTTP 503"`. The
 * `scope` field leads; warnings and errors say so.
 */
export function consoleSink(write: (line: string) => void = (line) => console.log(line)): Sink {
  return (record) => write(formatLine(record));
}

export function formatLine({ level, message, fields }: LogRecord): string {
  const { scope, ...rest } = fields;
  const pairs = Object.entries(rest)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${formatValue(value)}`);
  const prefix = level === "error" ? "error: " : level === "warn" ? "warning: " : "";
  const lead = typeof scope === "string" && scope !== "" ? `${scope}: ` : "";
  return [`${lead}${prefix}${message}`, ...pairs].join(" ");
}

function formatValue(value: unknown): string {
  if (typeof value === "string") return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

/** Field names whose values are credentials: never written, whatever they hold. */
const SECRET_NAME =
  /token|secret|signature|authori[sz]ation|password|passwd|api[-_]?key|cookie|credential|private[-_]?key|routing[-_]?key|^key$/i;
/** Field names holding a URL or a destination: only the scheme, host and first path segment are kept. */
const URL_NAME = /(^|_)(url|uri|href|target|endpoint|webhook|destination_url)$/i;

/** Credentials that are recognisable on their own, wherever they appear in text. */
const SECRET_TEXT: [RegExp, string][] = [
  [/whsec_[A-Za-z0-9+/=]+/g, "whsec_[redacted]"],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, "$1 [redacted]"],
  [/(https:\/\/hooks\.slack\.com\/)[^\s"'<>]+/g, "$1…"],
];

export function redactText(text: string): string {
  let out = text;
  for (const [pattern, replacement] of SECRET_TEXT) out = out.replace(pattern, replacement);
  return out;
}

/**
 * A URL as logs may show it: scheme, host and the first path segment (the path of an incoming
 * webhook is its credential).
 */
export function redactUrl(url: string): string {
  if (!URL.canParse(url)) return "[invalid url]";
  const parsed = new URL(url);
  const first = parsed.pathname.split("/")[1] ?? "";
  return `${parsed.protocol}//${parsed.host}/${first ? `${first}/` : ""}…`;
}

/** A destination field: an http(s) URL shortened, anything else (an address, a key) hidden. */
function redactTarget(value: string): string {
  return /^https?:\/\//i.test(value) && URL.canParse(value) ? redactUrl(value) : "[redacted]";
}

const MAX_DEPTH = 4;

export function redactFields(fields: Fields): Fields {
  return redactObject(fields, 0);
}

function redactObject(fields: Record<string, unknown>, depth: number): Fields {
  const out: Fields = {};
  for (const [key, value] of Object.entries(fields)) {
    if (SECRET_NAME.test(key)) out[key] = value === undefined ? undefined : "[redacted]";
    else if (URL_NAME.test(key) && typeof value === "string") out[key] = redactTarget(value);
    else out[key] = redactValue(value, depth + 1);
  }
  return out;
}

function redactValue(value: unknown, depth: number): unknown {
  if (typeof value === "string") return redactText(value);
  if (value instanceof Error) return { name: value.name, message: redactText(value.message) };
  if (value === null || typeof value !== "object") return value;
  if (depth > MAX_DEPTH) return "[nested]";
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1));
  if (value instanceof Date) return value.toISOString();
  return redactObject(value as Record<string, unknown>, depth);
}

/** An error as one short phrase for a log field: its message, never its stack. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
