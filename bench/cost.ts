/**
 * `npm run bench:cost [-- --events N]`: what a million events cost deployed, measured on the
 * deployed code path. Mixed traffic (storms on a few incidents, and single failures scattered over
 * many accounts) goes through the Lambda handlers themselves (`functions/`): ingest, the processor
 * and the notifiers, with the AWS adapters, on DynamoDB = dynalite. SQS and SNS are stand-ins at the
 * SDK boundary (aws-sdk-client-mock) that keep the messages and count the requests, and the bench
 * plays Lambda's part: the event source mapping's batches of 100, SNS's one message per notifier
 * invocation. Every DynamoDB call asks for `ReturnConsumedCapacity: "TOTAL"` (bench/support/
 * dynamo-meter.ts adds what dynalite leaves out: index writes, failed conditional writes).
 * Each handler's duration is measured per invocation. Then: a cost table per million events at
 * the on-demand prices below, and a check that every event was counted exactly once.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { loadavg } from "node:os";
import {
  type AttributeValue,
  DynamoDBClient,
  ScanCommand,
  type ScanCommandOutput,
} from "@aws-sdk/client-dynamodb";
import {
  PublishBatchCommand,
  type PublishBatchRequestEntry,
  PublishCommand,
  SNSClient,
} from "@aws-sdk/client-sns";
import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import type {
  APIGatewayProxyEventV2,
  SNSEvent,
  SQSBatchResponse,
  SQSEvent,
  SQSRecord,
} from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { FUNCTION_MEMORY_MB } from "../infra/function-sizes.ts";
import { createTable } from "../shared/adapters/aws/create-table.ts";
import { DynamoIncidentStore } from "../shared/adapters/aws/dynamo-store.ts";
import { signStackone } from "../shared/sources/stackone/signature.ts";
import { itemSize, meter, meterDynamo } from "./support/dynamo-meter.ts";

/**
 * On-demand prices, us-east-1, from AWS's public pricing pages as of 2026-12-02 (Lambda arm64;
 * SQS standard; DynamoDB on-demand; SNS standard; CloudWatch Logs
 * standard ingestion). Each SQS or SNS request counts once per 64 KB it carries.
 */
const PRICES = {
  asOf: "2026-12-02",
  lambdaRequest: 0.2 / 1e6,
  lambdaGbSecond: 0.0000133334,
  functionUrlRequest: 0,
  sqsRequest: 0.4 / 1e6,
  dynamoWriteUnit: 0.625 / 1e6,
  dynamoReadUnit: 0.125 / 1e6,
  snsPublish: 0.5 / 1e6,
  logsGb: 0.5,
} as const;
/** Lambda writes START, END and REPORT lines for every invocation (about 300 bytes). */
const LAMBDA_PLATFORM_LOG_BYTES = 300;
const CHUNK = 64 * 1024;
/**
 * The stand-ins answer at once; SQS and SNS in the same region do not. Each request waits this
 * long, so the handlers' durations carry a typical round trip (dynalite, over loopback in its own
 * process, takes about as long per call as DynamoDB does in-region).
 */
const ROUND_TRIP_MS = { sqs: 8, sns: 10 };
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
const BATCH_SIZE = 100;

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
};
const EVENTS = Number(arg("--events") ?? process.env.BENCH_COST_EVENTS ?? 10_000);
/** The mix: 90% storms on 5 incidents, 10% single failures each on another account. */
const STORM_SHARE = 0.9;
const STORM_ACCOUNTS = 5;
const SECRET = "bench-secret";
const EVENT_SPACING_MS = 10;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** dynalite in its own process, so its work is not in the handlers' durations. */
async function startDynalite(): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const port = await freePort();
  const cli = createRequire(import.meta.url).resolve("dynalite/cli.js");
  const child: ChildProcess = spawn(
    process.execPath,
    [cli, "--port", String(port), "--createTableMs", "0"],
    {
      stdio: "ignore",
    },
  );
  const endpoint = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const up = await fetch(endpoint).then(
      () => true,
      () => false,
    );
    if (up) break;
    if (i > 100) throw new Error("dynalite did not start");
    await new Promise((r) => setTimeout(r, 50));
  }
  const exited = new Promise((resolve) => child.once("exit", resolve));
  return {
    endpoint,
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** The mixed traffic, one StackOne webhook per event (as StackOne sends them). */
function mixedEvents(n: number): string[] {
  const out: string[] = [];
  // A steady 100 events a second, ending now: incidents' last_seen moves as it would.
  const first = Date.now() - n * EVENT_SPACING_MS;
  let scattered = 0;
  for (let i = 0; i < n; i++) {
    const storm = (i * 7919) % 100 < STORM_SHARE * 100;
    const account = storm ? `acct_storm_${i % STORM_ACCOUNTS}` : `acct_single_${scattered++}`;
    out.push(
      JSON.stringify({
        id: `cost-${i}`,
        event: "request.failed",
        event_date: new Date(first + i * EVENT_SPACING_MS).toISOString(),
        account_id: account,
        provider: storm ? "smartrecruiters" : "hibob",
        origin_owner_name: `Customer ${account}`,
        data: storm
          ? {
              request_id: `req_${i}`,
              status: 429,
              request: { method: "GET", url: "https://api.stackone.com/unified/ats/jobs" },
              message: "Rate limit exceeded",
            }
          : {
              request_id: `req_${i}`,
              status: 403,
              request: { method: "GET", url: "https://api.stackone.com/unified/hris/employees" },
              message: "The API user does not have permission to read employees",
            },
      }),
    );
  }
  return out;
}

function ingestEvent(body: string): APIGatewayProxyEventV2 {
  const headers = {
    "content-type": "application/json",
    "x-stackone-signature": signStackone(SECRET, body),
  };
  const context = {
    accountId: "000000000000",
    apiId: "bench",
    domainName: "bench.example",
    domainPrefix: "bench",
    http: {
      method: "POST",
      path: "/webhooks/stackone",
      protocol: "HTTP/1.1",
      sourceIp: "127.0.0.1",
      userAgent: "bench",
    },
    requestId: randomUUID(),
    routeKey: "$default",
    stage: "$default",
    time: new Date().toUTCString(),
    timeEpoch: Date.now(),
  };
  // Webhooks reach ingest at its function URL (infra/api.ts): payload 2.0, no route parameters.
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: "/webhooks/stackone",
    rawQueryString: "",
    headers,
    requestContext: context,
    body,
    isBase64Encoded: false,
  };
}

type Fn = "ingest" | "processor" | "notifySlack" | "notifyWebhook" | "notifyPagerduty";
/** Each invocation's wall time and the CPU time within it (invocations never overlap here). */
const invocations = new Map<Fn, { wall: number; cpu: number }[]>();
async function invoke<T>(fn: Fn, call: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  try {
    return await call();
  } finally {
    const used = process.cpuUsage(cpu);
    const list = invocations.get(fn) ?? [];
    list.push({ wall: performance.now() - started, cpu: (used.user + used.system) / 1000 });
    invocations.set(fn, list);
  }
}

/**
 * Lambda gives a function CPU in proportion to its memory, a whole vCPU at 1,769 MB: below that,
 * the CPU part of an invocation takes longer in the same ratio; waiting on the network does not.
 */
const FULL_CPU_MB = 1769;
const billedMs = ({ wall, cpu }: { wall: number; cpu: number }, mb: number) =>
  Math.ceil(Math.max(0, wall - cpu) + cpu * Math.max(1, FULL_CPU_MB / mb));

// --- the stand-ins and the table --------------------------------------------------------------
const dynalite = await startDynalite();
const table = `quirkwatch-cost-${randomUUID()}`;
Object.assign(process.env, {
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "bench",
  AWS_SECRET_ACCESS_KEY: "bench",
  AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint,
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  TABLE_NAME: table,
  QUEUE_URL: "https://sqs.us-east-1.amazonaws.com/000000000000/events",
  ALERTS_TOPIC_ARN: "arn:aws:sns:us-east-1:000000000000:alerts",
  STACKONE_WEBHOOK_SECRET: SECRET,
  QUIRKWATCH_METRICS_NAMESPACE: "Quirkwatch/bench",
});
const raw = new DynamoDBClient({});
await createTable(raw, table);
meterDynamo(raw);

const requests = { sqsSend: 0, sqsReceive: 0, sqsDelete: 0, snsPublish: 0 };
type Message = { id: string; body: string; receives: number };
const queue: Message[] = [];
mockClient(SQSClient)
  .on(SendMessageBatchCommand)
  .callsFake(async (input: { Entries?: { Id?: string; MessageBody?: string }[] }) => {
    await wait(ROUND_TRIP_MS.sqs);
    const entries = input.Entries ?? [];
    const bytes = entries.reduce((a, e) => a + Buffer.byteLength(e.MessageBody ?? ""), 0);
    requests.sqsSend += Math.max(1, Math.ceil(bytes / CHUNK));
    for (const e of entries)
      queue.push({ id: randomUUID(), body: e.MessageBody ?? "", receives: 0 });
    return {
      Successful: entries.map((e) => ({ Id: e.Id, MessageId: randomUUID(), MD5OfMessageBody: "" })),
      Failed: [],
    };
  });

/** Notices to the notifiers: SNS invokes each subscribed function with one message. */
const published: { message: string; internal: boolean }[] = [];
const publish = (e: PublishBatchRequestEntry) => {
  const size = Buffer.byteLength(e.Message ?? "") + Buffer.byteLength(e.Subject ?? "");
  requests.snsPublish += Math.max(1, Math.ceil(size / CHUNK));
  const body =
    e.MessageStructure === "json"
      ? (JSON.parse(e.Message ?? "{}") as Record<string, string>)
      : undefined;
  published.push({
    message: body ? (body.lambda ?? body.default ?? "") : (e.Message ?? ""),
    // Every notifier's subscription filters on audience = internal (infra/alerts.ts).
    internal: e.MessageAttributes?.audience?.StringValue === "internal",
  });
};
mockClient(SNSClient)
  .on(PublishBatchCommand)
  .callsFake(async (input: { PublishBatchRequestEntries?: PublishBatchRequestEntry[] }) => {
    await wait(ROUND_TRIP_MS.sns);
    const entries = input.PublishBatchRequestEntries ?? [];
    for (const e of entries) publish(e);
    return { Successful: entries.map((e) => ({ Id: e.Id, MessageId: randomUUID() })), Failed: [] };
  })
  .on(PublishCommand)
  .callsFake(async (input: PublishBatchRequestEntry) => {
    await wait(ROUND_TRIP_MS.sns);
    publish(input);
    return { MessageId: randomUUID() };
  });

// The handlers' own log lines are CloudWatch Logs bytes: counted, not shown.
let logBytes = 0;
const write = (stream: NodeJS.WriteStream) => {
  const original = stream.write.bind(stream);
  return {
    original,
    mute: () => {
      stream.write = ((chunk: string | Uint8Array) => {
        logBytes += typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.length;
        return true;
      }) as typeof stream.write;
    },
    restore: () => {
      stream.write = original as typeof stream.write;
    },
  };
};
const [stdout, stderr] = [write(process.stdout), write(process.stderr)];

/** A Lambda entry point as the runtime calls it: event, context, callback. */
type Lambda = (event: unknown, context: unknown, callback: () => void) => unknown;
const entry = async (path: string) => (await import(path)).handler as Lambda;
const ingest = await entry("../functions/ingest.ts");
const processor = await entry("../functions/process.ts");
const notifiers = {
  notifySlack: await entry("../functions/notify-slack.ts"),
  notifyWebhook: await entry("../functions/notify-webhook.ts"),
  notifyPagerduty: await entry("../functions/notify-pagerduty.ts"),
};
const lambdaContext = { getRemainingTimeInMillis: () => 30_000 } as never;

async function deliverNotices() {
  for (const notice of published.splice(0)) {
    if (!notice.internal) continue;
    const event = {
      Records: [
        { EventSource: "aws:sns", Sns: { Message: notice.message, MessageAttributes: {} } },
      ],
    } as unknown as SNSEvent;
    for (const [fn, handler] of Object.entries(notifiers)) {
      await invoke(fn as Fn, () => Promise.resolve(handler(event, lambdaContext, () => {})));
    }
  }
}

/** The event source mapping: receives 10 at a time, deletes what succeeded 10 at a time. */
async function processBatch(size: number) {
  const batch = queue.splice(0, size);
  requests.sqsReceive += Math.ceil(batch.length / 10);
  const records = batch.map((m): SQSRecord => {
    m.receives++;
    return {
      messageId: m.id,
      receiptHandle: m.id,
      body: m.body,
      attributes: {
        ApproximateReceiveCount: String(m.receives),
        SentTimestamp: String(Date.now()),
        SenderId: "bench",
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: "",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:events",
      awsRegion: "us-east-1",
    };
  });
  const response = await invoke("processor", () =>
    Promise.resolve(
      processor({ Records: records } as SQSEvent, lambdaContext, () => {}) as Promise<
        SQSBatchResponse | undefined
      >,
    ),
  );
  const failed = new Set(
    (response ?? { batchItemFailures: [] }).batchItemFailures.map((f) => f.itemIdentifier),
  );
  requests.sqsDelete += Math.ceil((batch.length - failed.size) / 10);
  // What failed comes back after its visibility timeout.
  queue.push(...batch.filter((m) => failed.has(m.id)));
  await deliverNotices();
}

// --- the run ----------------------------------------------------------------------------------
const bodies = mixedEvents(EVENTS);
const events = bodies.map(ingestEvent);
const cpu = process.cpuUsage();
const started = performance.now();
stdout.mute();
stderr.mute();
let rejected = 0;
try {
  for (const event of events) {
    const result = await invoke(
      "ingest",
      () => ingest(event, lambdaContext, () => {}) as Promise<{ statusCode?: number }>,
    );
    if (result?.statusCode !== 202) rejected++;
    if (queue.length >= BATCH_SIZE) await processBatch(BATCH_SIZE);
  }
  for (let rounds = 0; queue.length > 0 && rounds < 1000; rounds++) await processBatch(BATCH_SIZE);
} finally {
  stdout.restore();
  stderr.restore();
}
const elapsed = performance.now() - started;
const used = process.cpuUsage(cpu);

// --- every event counted exactly once? --------------------------------------------------------
let counted = 0;
let incidents = 0;
const incidentBytes: number[] = [];
let start: Record<string, AttributeValue> | undefined;
const store = new DynamoIncidentStore(raw, table);
do {
  const page: ScanCommandOutput = await raw.send(
    new ScanCommand({
      TableName: table,
      ExclusiveStartKey: start,
      FilterExpression: "sk = :inc",
      ExpressionAttributeValues: { ":inc": { S: "INC" } },
    }),
  );
  for (const item of page.Items ?? []) {
    // Read through the adapter, as the API does: it knows how the item is laid out.
    const record = await store.getIncident(String(item.pk?.S).slice("INC#".length));
    if (record === undefined || record.scope === "provider") continue;
    incidents++;
    counted += record.count;
    incidentBytes.push(itemSize(item));
  }
  start = page.LastEvaluatedKey;
} while (start);
await dynalite.stop();
raw.destroy();

// --- the table --------------------------------------------------------------------------------
const perMillion = (n: number) => (n / EVENTS) * 1e6;
const money = (n: number) => `$${n.toFixed(2)}`;
const fmt = (n: number, digits = 0) =>
  n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

const lambdaRows: string[][] = [];
let gbSeconds = 0;
let lambdaCalls = 0;
for (const [fn, durations] of invocations) {
  const mb = FUNCTION_MEMORY_MB[fn];
  // Lambda bills each invocation's duration rounded up to the millisecond.
  const billed = durations.map((d) => billedMs(d, mb));
  const gbs = (sum(billed) / 1000) * (mb / 1024);
  gbSeconds += gbs;
  lambdaCalls += durations.length;
  lambdaRows.push([
    fn,
    `${mb} MB`,
    fmt(perMillion(durations.length)),
    `${fmt(median(durations.map((d) => d.wall)), 1)} ms (CPU ${fmt(median(durations.map((d) => d.cpu)), 1)})`,
    `${fmt(median(billed))} ms`,
    fmt(perMillion(gbs)),
    money(perMillion(gbs) * PRICES.lambdaGbSecond),
  ]);
}
const dynamoWrites = meter.tableWriteUnits + meter.indexWriteUnits + meter.failedConditionalUnits;
const frontDoorRequests = invocations.get("ingest")?.length ?? 0;
const logGb = (lambdaCalls * LAMBDA_PLATFORM_LOG_BYTES + logBytes) / 1e9;
const sqsRequests = requests.sqsSend + requests.sqsReceive + requests.sqsDelete;
const costs: [string, string, number][] = [
  [
    "Lambda function URL (ingest)",
    `${fmt(perMillion(frontDoorRequests))} requests, no charge beyond Lambda's`,
    perMillion(frontDoorRequests) * PRICES.functionUrlRequest,
  ],
  [
    "Lambda requests",
    `${fmt(perMillion(lambdaCalls))} invocations`,
    perMillion(lambdaCalls) * PRICES.lambdaRequest,
  ],
  [
    "Lambda duration (arm64)",
    `${fmt(perMillion(gbSeconds))} GB-s`,
    perMillion(gbSeconds) * PRICES.lambdaGbSecond,
  ],
  [
    "SQS",
    `${fmt(perMillion(requests.sqsSend))} sends + ${fmt(perMillion(requests.sqsReceive))} receives + ${fmt(perMillion(requests.sqsDelete))} deletes`,
    perMillion(sqsRequests) * PRICES.sqsRequest,
  ],
  [
    "DynamoDB writes",
    `${fmt(perMillion(dynamoWrites))} WRU (table ${fmt(meter.tableWriteUnits / EVENTS, 2)}, indexes ${fmt(meter.indexWriteUnits / EVENTS, 2)}, failed conditions ${fmt(meter.failedConditionalUnits / EVENTS, 2)} per event)`,
    perMillion(dynamoWrites) * PRICES.dynamoWriteUnit,
  ],
  [
    "DynamoDB reads",
    `${fmt(perMillion(meter.readUnits))} RRU`,
    perMillion(meter.readUnits) * PRICES.dynamoReadUnit,
  ],
  [
    "SNS",
    `${fmt(perMillion(requests.snsPublish))} publishes`,
    perMillion(requests.snsPublish) * PRICES.snsPublish,
  ],
  ["CloudWatch Logs", `${fmt(perMillion(logGb), 2)} GB`, perMillion(logGb) * PRICES.logsGb],
];
const total = sum(costs.map((c) => c[2]));

const table2 = (header: string[], rows: string[][]) => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
};

console.log(
  `\nbench:cost: ${fmt(EVENTS)} events (${STORM_SHARE * 100}% storms on ${STORM_ACCOUNTS} incidents, the rest one failure per account, 100 a second), ` +
    `one event per webhook to ingest's function URL; prices us-east-1 on-demand as of ${PRICES.asOf}. ` +
    `${fmt(elapsed / 1000, 1)} s, bench CPU ${fmt((used.user + used.system) / 1e6, 1)} s, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}.`,
);
console.log(
  `Counted ${fmt(counted)} of ${fmt(EVENTS)} events in ${fmt(incidents)} incidents (items of ${fmt(median(incidentBytes) / 1024, 1)} KB median, ${fmt(Math.max(...incidentBytes) / 1024, 1)} KB largest); ${rejected} rejected; ` +
    `${fmt(meter.indexWrites / EVENTS, 2)} index writes per event; DynamoDB calls: ${[...meter.calls].map(([k, v]) => `${k.replace("Command", "")} ${fmt(v / EVENTS, 2)}`).join(", ")} per event; write units per event by item: ${[...meter.writesByKind].map(([k, v]) => `${k} ${fmt(v / EVENTS, 2)}`).join(", ")}. ` +
    `SQS and SNS answer after ${ROUND_TRIP_MS.sqs} and ${ROUND_TRIP_MS.sns} ms.\n`,
);
console.log(
  table2(
    [
      "function",
      "memory",
      "invocations / M events",
      "median duration here",
      "median billed at its memory",
      "GB-s / M events",
      "cost / M events",
    ],
    lambdaRows,
  ),
);
console.log();
console.log(
  table2(
    ["service", "per million events", "cost"],
    [...costs.map(([s, what, c]) => [s, what, money(c)]), ["**Total**", "", `**${money(total)}**`]],
  ),
);
if (counted !== EVENTS || rejected > 0) {
  console.error(`\nFAIL: ${fmt(counted)} counted of ${fmt(EVENTS)}, ${rejected} rejected`);
  process.exitCode = 1;
}
