import type * as z from "zod/mini";
import { config } from "zod/mini";
import en from "zod/v4/locales/en.js";

/**
 * Validation uses zod v4's tree-shakable build (`zod/mini`): about 20 KB in a bundle where the
 * classic API is 450 KB, a third of a Lambda's import time. Modules that validate import this one
 * for English messages, as the API answers with them. Import zod/mini as a namespace in each
 * module: re-exporting the namespace from here would defeat tree shaking.
 */
config(en());

export type ValidationIssue = { path: string; message: string };

export function issuesOf(error: z.core.$ZodError, prefix = ""): ValidationIssue[] {
  return error.issues.map((i) => ({
    path: [prefix, ...i.path.map(String)].filter(Boolean).join("."),
    message: i.message,
  }));
}
