import { loadEnv, localAdminToken, localStackoneSecret } from "../server/env.ts";
import { host, port } from "../shared/config.ts";
import { signStackone } from "../shared/sources/stackone/signature.ts";
import { LEVER_OUTAGE, SCENARIOS } from "./demo-scenarios.ts";

// Posts a signed webhook for every scenario on the quirks page to a running stack, then shows
// the incidents. Usage: npm run demo [-- --outage] [URL]   (default: where `npm start` listens,
// from the environment and .env as it reads them: http://127.0.0.1:3000 unless PORT or HOST say
// otherwise). `--outage` plays a Lever outage across 12 customers instead: one provider
// incident, one Slack message, then its resolution.
loadEnv();
const outage = process.argv.includes("--outage");
const target = process.argv.slice(2).find((a) => !a.startsWith("--"));
const base = (target ?? `http://${host()}:${port()}`).replace(/\/$/, "");
const secret = localStackoneSecret();
// ADMIN_TOKEN, else the token the stack keeps in DATA_DIR.
const token = localAdminToken();
const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};

for (const scenario of outage ? LEVER_OUTAGE : SCENARIOS) {
  const body = JSON.stringify(
    Array.from({ length: scenario.repeat }, (_, n) => scenario.payload(n)),
  );
  let response: Response;
  try {
    response = await fetch(`${base}/webhooks/stackone`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-stackone-signature": signStackone(secret, body),
      },
      body,
    });
  } catch {
    console.error(`Nothing answers at ${base}. Start the stack first: npm start`);
    process.exit(1);
  }
  const answer = await response.text();
  console.log(
    `${response.status}  ${scenario.name}${response.status === 202 ? "" : `  ${answer}`}`,
  );
}

await new Promise((resolve) => setTimeout(resolve, 1000));
if (outage) await playOutage();
const response = await fetch(`${base}/incidents?limit=100`, { headers });
if (!response.ok) {
  const hint =
    response.status === 401
      ? " (run the demo with the stack's ADMIN_TOKEN, or with its DATA_DIR, where it keeps its token)"
      : "";
  console.error(`GET /incidents answered ${response.status}${hint}: ${await response.text()}`);
  process.exit(1);
}
const { incidents } = (await response.json()) as {
  incidents: {
    status: string;
    count: number;
    rule_id: string;
    account_name?: string;
    account_id: string;
    title: string;
  }[];
};
console.log(`\n${incidents.length} incident(s):`);
for (const i of incidents) {
  console.log(
    `  ${i.status.padEnd(8)} ${String(i.count).padStart(4)}×  ${i.rule_id.padEnd(38)} ${(i.account_name ?? i.account_id).padEnd(20)} ${i.title}`,
  );
}

/**
 * The outage's provider incident, then its end: deployed or left alone it resolves after 30 quiet
 * minutes (or once most accounts recover); here it is resolved by hand after a short look.
 */
async function playOutage() {
  const answer = await fetch(`${base}/incidents?scope=provider&provider=lever&status=firing`, {
    headers,
  });
  const { incidents = [] } = (await answer.json()) as {
    incidents?: { id: string; title: string; affected_accounts: number }[];
  };
  const incident = incidents[0];
  if (!incident) {
    console.error("No Lever provider incident opened (is PROVIDER_INCIDENT_ACCOUNTS above 12?)");
    return;
  }
  console.log(`\nProvider incident: ${incident.title}`);
  console.log("One notice went out for it (see the console or Slack); the 12 accounts' own wait.");
  console.log("Lever comes back in 15 s: on its own it resolves after 30 quiet minutes.");
  await new Promise((resolve) => setTimeout(resolve, 15_000));
  const resolved = await fetch(`${base}/incidents/${incident.id}/resolve`, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json" },
    body: JSON.stringify({ by: "npm run demo -- --outage" }),
  });
  console.log(
    `Resolved: ${resolved.status}; one resolved notice says how long and how many accounts.`,
  );
}
