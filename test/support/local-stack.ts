import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { savedAdminToken } from "../../server/admin-token.ts";
import { signStackone } from "../../shared/sources/stackone/signature.ts";
import type { Json } from "./api.ts";
import { leakedSecrets, secretsOf } from "./log-secrets.ts";

export const SECRET = "e2e-secret";

export type RunningStack = {
  url: string;
  dataDir: string;
  /** ADMIN_TOKEN as given, else the token the stack made and keeps in its data folder. */
  adminToken: string;
  /** `Authorization: Bearer <token>`, for the admin API. */
  auth: Record<string, string>;
  output: () => string;
  /**
   * The output once it holds `text` (the stack prints some lines a moment after answering, e.g.
   * a notice once the outbox delivers it), or as it is after `timeoutMs`.
   */
  printed(text: string, timeoutMs?: number): Promise<string>;
  /**
   * Sends the signal to `npm start`'s process group, as a terminal would, and waits for exit.
   * Then fails if anything it printed holds a secret (test/support/log-secrets.ts).
   */
  stop(signal?: NodeJS.Signals): Promise<void>;
};

/**
 * Starts `npm start` as a user would, on a free port, and waits for its banner. Tests may point
 * subscriptions at receivers on 127.0.0.1 (ALLOW_PRIVATE_DESTINATIONS=1) unless `env` says not.
 */
export async function startLocalStack(
  env: Record<string, string> = {},
  dataDir?: string,
  /** Where `npm start` runs: this checkout, or another install of it (a production one). */
  cwd = join(import.meta.dirname, "../.."),
): Promise<RunningStack> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), "quirkwatch-e2e-"));
  const childEnv = {
    ...process.env,
    PORT: "0",
    DATA_DIR: dir,
    STACKONE_WEBHOOK_SECRET: SECRET,
    ALLOW_PRIVATE_DESTINATIONS: "1",
    ...env,
  };
  const child: ChildProcess = spawn("npm", ["start", "--silent"], {
    cwd,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: childEnv,
  });
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  // npm's own exit is not the end: wait until every process of the group has let go of the output.
  const exited = new Promise<void>((resolve) => child.stdout?.once("close", () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /Webhook URL\s+(http:\/\/\S+)\/webhooks\/stackone/.exec(output);
      if (m?.[1]) {
        clearInterval(timer);
        resolve(m[1]);
      }
    }, 50);
    exited.then(() => {
      clearInterval(timer);
      reject(new Error(`npm start exited:\n${output}`));
    });
  });
  const given = "ADMIN_TOKEN" in env ? env.ADMIN_TOKEN : process.env.ADMIN_TOKEN;
  const token = given || savedAdminToken(dir);
  if (token === undefined) throw new Error(`npm start kept no admin token in ${dir}`);
  return {
    url,
    dataDir: dir,
    adminToken: token,
    auth: { authorization: `Bearer ${token}` },
    output: () => output,
    async printed(text, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!output.includes(text) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      return output;
    },
    async stop(signal = "SIGTERM") {
      try {
        if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, signal);
      } catch (error) {
        // Stopped already: the group is gone.
        if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
      }
      await exited;
      const leaked = leakedSecrets(output, secretsOf(childEnv, dir));
      if (leaked.length > 0) throw new Error(`npm start logged ${leaked.join(", ")}`);
    },
  };
}

export function postStackone(url: string, payload: unknown, secret = SECRET): Promise<Response> {
  const body = JSON.stringify(payload);
  return fetch(`${url}/webhooks/stackone`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-stackone-signature": signStackone(secret, body),
    },
    body,
  });
}

export async function getJson<T = Record<string, unknown>>(
  url: string,
  init?: RequestInit,
): Promise<T> {
  const response = await fetch(url, init);
  return (await response.json()) as T;
}

/** A GET on a stack's admin API (`npm start`'s or `startStack`'s), with its token. */
export function adminJson<T = Record<string, unknown>>(
  stack: { url: string; adminToken: string },
  path: string,
): Promise<T> {
  return getJson<T>(`${stack.url}${path}`, {
    headers: { authorization: `Bearer ${stack.adminToken}` },
  });
}

/** An answer of a stack's admin API: its status and its JSON body. */
export type StackAnswer = { status: number; body: Json };

/**
 * Calls a stack's admin API over HTTP with its admin token (or `token`; null for none). A body
 * is sent as JSON.
 */
export async function callApi(
  stack: { url: string; adminToken: string },
  method: string,
  path: string,
  body?: unknown,
  token: string | null = stack.adminToken,
): Promise<StackAnswer> {
  const response = await fetch(`${stack.url}${path}`, {
    method,
    headers: {
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: await response.json() };
}

/** Polls until `check` returns a value, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs `npm start` expecting it to refuse to start: its exit code and what it printed. */
export function startExpectingFailure(
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn("npm", ["start", "--silent"], {
    cwd: join(import.meta.dirname, "../.."),
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, PORT: "0", STACKONE_WEBHOOK_SECRET: SECRET, ...env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}
