/**
 * `npm run smoke -- <api url>`: checks a deployed stack end to end. Posts one webhook signed
 * with the StackOne secret, as StackOne would, and polls the admin API until the incident it
 * makes appears: API Gateway, ingest, the queue, the processor, DynamoDB and the admin API all
 * worked.
 *
 * The test webhook is a `quirkwatch.smoke_test` event for the account `quirkwatch-smoke-test`.
 * Its rule (shared/quirks/quirkwatch.ts) never fires: the incident stays pending, alerts nobody
 * (no Slack, email or webhook) and resolves by itself after 30 quiet minutes. Running it again
 * adds to the same incident.
 *
 * The StackOne secret and the admin token come from SST's shell
 * (`npx sst shell --stage <stage> -- npm run smoke -- <api url>`), else from
 * STACKONE_WEBHOOK_SECRET and ADMIN_TOKEN. For a local stack (`npm run smoke --
 * http://127.0.0.1:3000`) they are found the way `npm run demo` finds them (the environment,
 * `.env`, then the development secret, and the admin token kept in DATA_DIR). Neither is ever
 * printed.
 *
 * Exit codes: 0 the incident appeared; 1 it did not, or the stack refused; 2 bad usage.
 */
import "../shared/adapters/aws/sst-links.ts";
import { randomUUID } from "node:crypto";
import { loadEnv, localAdminToken, localStackoneSecret } from "../server/env.ts";
import { adminToken, stackoneWebhookSecrets } from "../shared/config.ts";
import { sleep } from "../shared/retry.ts";
import { STACKONE_SIGNATURE_HEADER, signStackone } from "../shared/sources/stackone/signature.ts";

const SMOKE_ACCOUNT = "quirkwatch-smoke-test";
/** The processor takes events in batches that wait up to 5 s; a cold start adds a few more. */
const WAIT_SECONDS = 60;

class SmokeTestFailed extends Error {
  override name = "SmokeTestFailed";
}

type Incident = { id: string; status: string; rule_id: string; request_ids: string[] };

async function call(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    throw new SmokeTestFailed(
      `Nothing answers at ${new URL(url).origin} (${(error as Error).message}). ` +
        "Give the apiUrl output of `npx sst deploy`.",
    );
  }
}

async function postTestWebhook(base: string, secret: string, requestId: string): Promise<void> {
  const now = new Date().toISOString();
  const body = JSON.stringify({
    event: "quirkwatch.smoke_test",
    event_date: now,
    account_id: SMOKE_ACCOUNT,
    provider: "quirkwatch",
    origin_owner_name: "Quirkwatch smoke test",
    data: {
      request_id: requestId,
      status: 200,
      success: true,
      event_datetime: now,
      request: { method: "GET", url: "https://api.stackone.com/quirkwatch/smoke-test" },
      response: { status_code: 200 },
    },
  });
  const response = await call(`${base}/webhooks/stackone`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      [STACKONE_SIGNATURE_HEADER]: signStackone(secret, body),
    },
    body,
  });
  if (response.status === 401) {
    throw new SmokeTestFailed(
      "The webhook's signature was refused: the StackOne secret given is not this stage's " +
        "StackoneWebhookSecret (a secret set after the last deploy needs another deploy).",
    );
  }
  if (response.status !== 202) {
    throw new SmokeTestFailed(
      `POST /webhooks/stackone answered ${response.status}: ${await response.text()}`,
    );
  }
}

/** The smoke account's incident that counted `requestId`, once the admin API shows it. */
async function findIncident(base: string, token: string | undefined, requestId: string) {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const deadline = Date.now() + WAIT_SECONDS * 1000;
  while (Date.now() < deadline) {
    const response = await call(`${base}/incidents?account_id=${SMOKE_ACCOUNT}`, { headers });
    if (response.status === 401) {
      throw new SmokeTestFailed(
        token
          ? "The admin API refused the admin token given: it is not this stage's AdminToken."
          : "The admin API wants the admin token: run this in `npx sst shell`, or set ADMIN_TOKEN.",
      );
    }
    if (!response.ok) {
      throw new SmokeTestFailed(`GET /incidents answered ${response.status}`);
    }
    const { incidents } = (await response.json()) as { incidents: Incident[] };
    const found = incidents.find((i) => i.request_ids.includes(requestId));
    if (found) return found;
    await sleep(1000);
  }
  throw new SmokeTestFailed(
    `The webhook was accepted, but no incident showed it within ${WAIT_SECONDS} s. Look at the ` +
      "Processor function's logs, and at EventsDlq, where events the processor failed on wait.",
  );
}

/** A stack on this machine, which `npm start` runs with development defaults. */
function isLocal(url: string): boolean {
  try {
    return ["127.0.0.1", "localhost", "[::1]"].includes(new URL(url).hostname);
  } catch {
    return false;
  }
}

loadEnv();
const given = process.argv[2];
const local = given !== undefined && isLocal(given);
const secret = stackoneWebhookSecrets()[0] ?? (local ? localStackoneSecret() : undefined);
const token = adminToken() ?? (local ? localAdminToken() : undefined);
if (given === undefined || secret === undefined) {
  console.error(`Usage: npm run smoke -- <api url> [<webhook url>]   (the apiUrl and webhookUrl outputs of npx sst deploy)

It needs the StackOne webhook secret, and the admin token. SST's shell provides both:
  npx sst shell --stage <stage> -- npm run smoke -- <api url> <webhook url>
or export STACKONE_WEBHOOK_SECRET and ADMIN_TOKEN (\`read -rs ADMIN_TOKEN && export ADMIN_TOKEN\`
keeps the value out of your shell history). A local stack needs neither:
  npm run smoke -- http://127.0.0.1:3000`);
  process.exit(2);
}
// The webhookUrl output works too.
const withoutPath = (url: string) => url.replace(/\/+$/, "").replace(/\/webhooks\/stackone$/, "");
const base = withoutPath(given);
// Deployed, webhooks have their own address (ingest's function URL): the webhookUrl output.
const webhookBase = withoutPath(process.argv[3] ?? given);
const requestId = `smoke_${randomUUID()}`;

try {
  console.log(`Posting a signed test webhook to ${webhookBase}/webhooks/stackone ...`);
  await postTestWebhook(webhookBase, secret, requestId);
  console.log("Accepted. Waiting for its incident in the admin API ...");
  const incident = await findIncident(base, token, requestId);
  console.log(`Found ${incident.id} (${incident.status}, rule ${incident.rule_id}).

Quirkwatch works end to end: webhook, queue, processor, table and admin API.
The test incident, for the account ${SMOKE_ACCOUNT}, alerts nobody and resolves by itself.`);
} catch (error) {
  if (!(error instanceof SmokeTestFailed)) throw error;
  console.error(error.message);
  process.exit(1);
}
