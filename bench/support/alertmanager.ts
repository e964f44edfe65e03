import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { type AddressInfo, createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Prometheus Alertmanager as the bench's peer: Debian's `prometheus-alertmanager`, installed with
 * apt when missing. One route grouping by account, provider and category (group_wait 1s), whose
 * receiver is a webhook on 127.0.0.1 that counts the alerts it is told about.
 */
const BINARY = "prometheus-alertmanager";

function installed(): boolean {
  return spawnSync(BINARY, ["--version"], { stdio: "ignore" }).status === 0;
}

/** Installs Alertmanager with apt when it is missing, saying so. False when that fails. */
export function ensureAlertmanager(log: (line: string) => void): boolean {
  if (installed()) return true;
  log(`${BINARY} is missing: installing Debian's package with apt-get (needs root)`);
  try {
    execFileSync("apt-get", ["install", "-y", "--no-install-recommends", BINARY], {
      stdio: "inherit",
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
  } catch {
    log(`could not install ${BINARY}: the Alertmanager column is left out`);
    return false;
  }
  return installed();
}

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export type RunningAlertmanager = {
  url: string;
  pid: number;
  /** Alerts the webhook receiver has been told about, the latest notification of each group. */
  notified(): number;
  stop(): Promise<void>;
};

/** The webhook receiver: counts alerts per group without parsing (a notification can be MBs). */
async function receiver(counts: Map<string, number>): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      const group = /"groupKey":"((?:[^"\\]|\\.)*)"/.exec(body)?.[1] ?? "";
      const alerts = body.split('"fingerprint":').length - 1;
      counts.set(group, Math.max(counts.get(group) ?? 0, alerts));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

export async function startAlertmanager(): Promise<RunningAlertmanager> {
  const dir = mkdtempSync(join(tmpdir(), "quirkwatch-bench-am-"));
  const counts = new Map<string, number>();
  const hook = await receiver(counts);
  const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/`;
  writeFileSync(
    join(dir, "alertmanager.yml"),
    [
      "route:",
      "  receiver: bench",
      "  group_by: [account_id, provider, category]",
      "  group_wait: 1s",
      "receivers:",
      "  - name: bench",
      "    webhook_configs:",
      `      - url: ${hookUrl}`,
      "        send_resolved: false",
      "",
    ].join("\n"),
  );
  const port = await freePort();
  const child: ChildProcess = spawn(
    BINARY,
    [
      `--config.file=${join(dir, "alertmanager.yml")}`,
      `--storage.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // One instance: no gossip.
      "--cluster.listen-address=",
      "--log.level=warn",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (c) => {
    stderr += c;
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`alertmanager exited:\n${stderr}`);
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (i > 200) throw new Error(`alertmanager did not get ready:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    pid: child.pid ?? 0,
    notified: () => [...counts.values()].reduce((a, b) => a + b, 0),
    async stop() {
      child.kill("SIGTERM");
      await exited;
      await new Promise((resolve) => hook.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
