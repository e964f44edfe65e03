import { expect } from "vitest";
import { type Stack, type StackOptions, startStack } from "../../server/stack.ts";
import { BUILTIN_RULES } from "../../shared/quirks/catalog.ts";
import { postStackone, SECRET } from "./local-stack.ts";

/**
 * The local stack in this process (server/stack.ts), as the e2e tests run it on each engine: one
 * starter with their common settings, and StackOne's signed webhook sent and settled. `npm start`
 * as a child process, and the admin API of either (`callApi`), are local-stack.ts.
 */

const DAY_MS = 24 * 3600_000;

/**
 * `startStack` on a free port with the built-in rules and the e2e tests' StackOne secret
 * (local-stack.ts `SECRET`, which `postStackone` signs with), printing nothing. The sweeper waits
 * a day: a test that wants it runs it (`sweepNow`). `options` adds or overrides.
 */
export function startTestStack(options: Partial<StackOptions>): Promise<Stack> {
  return startStack({
    port: 0,
    rules: BUILTIN_RULES,
    stackoneSecrets: [SECRET],
    sweepIntervalMs: DAY_MS,
    log: () => undefined,
    ...options,
  });
}

/**
 * Sends StackOne's signed webhook (one payload, or a batch as an array), expects it accepted,
 * and waits for everything it causes: processing and every delivery.
 */
export async function sendStackone(stack: Stack, payload: unknown) {
  const response = await postStackone(stack.url, payload);
  expect(response.status).toBe(202);
  await stack.settle();
}
