/**
 * `evaluate(scenario)`: what `sst deploy --stage <stage>` would register, given the deploy-time
 * environment and the secrets set. See run-evaluation.ts, which runs under tsx: it is TypeScript,
 * and SST's bundle imports package directories (`@pulumi/aws/iam`) that Node's own ESM loader
 * refuses.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ROOT } from "../../../scripts/sst-platform/prepare-platform.ts";
import { Deployment, type Evaluation } from "./deployment.ts";

export type Scenario = {
  stage: string;
  /** Deploy-time settings (QUIRKWATCH_RULES, QUIRKWATCH_OPS_EMAIL, ...); unset unless given. */
  env?: Record<string, string>;
  /** `npx sst secret set` values by secret name; by default, just the required ones. */
  secrets?: Record<string, string>;
};

/** The secrets a deploy cannot do without (see secrets.test.ts), with test values. */
export const REQUIRED_SECRETS = {
  StackoneWebhookSecret: "test-stackone-secret",
  AdminToken: "test-admin-token",
};

/** The deploy-time settings Quirkwatch reads, unset whatever the shell exports. */
const SETTINGS = [
  "QUIRKWATCH_OPS_EMAIL",
  "REAUTH_URL_TEMPLATE",
  "QUIRKWATCH_RULES",
  "STACKONE_POLL_SECONDS",
  "STACKONE_API_URL",
  "STACKONE_POLL_OVERLAP_SECONDS",
  "RECONNECT_LINK_DAYS",
  "EMAIL_FROM",
  "SES_CONFIGURATION_SET",
];

/** Rejects with the deploy's own error when `sst deploy` would fail. */
export class DeployFailedError extends Error {
  override name = "DeployFailedError";
}

export async function evaluate(scenario: Scenario): Promise<Deployment> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) {
    if (name.startsWith("SST_") || SETTINGS.includes(name)) delete env[name];
  }
  for (const [name, value] of Object.entries(scenario.secrets ?? REQUIRED_SECRETS)) {
    env[`SST_SECRET_${name}`] = value;
  }
  Object.assign(env, scenario.env);

  const dir = mkdtempSync(join(tmpdir(), "quirkwatch-evaluation-"));
  const output = join(dir, "evaluation.json");
  try {
    await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", join(import.meta.dirname, "run-evaluation.ts"), scenario.stage, output],
      { cwd: ROOT, env, maxBuffer: 16 * 1024 * 1024 },
    );
    return new Deployment(JSON.parse(readFileSync(output, "utf8")) as Evaluation);
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw stderr ? new DeployFailedError(stderr) : error;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
