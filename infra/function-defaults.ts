import { TABLE } from "../shared/adapters/aws/table.ts";

/**
 * Settings every Quirkwatch Lambda shares. Each function still states its own memory and timeout,
 * links only the resources its code reads (for their names, not for access), and lists exactly
 * the AWS calls it makes in `permissions`: its role allows those and nothing else.
 */
export const functionDefaults = {
  runtime: "nodejs22.x",
  architecture: "arm64",
  logging: { retention: "1 month" },
} as const satisfies Partial<sst.aws.FunctionArgs>;

export type Permission = { actions: string[]; resources: $util.Input<string>[] };

export type QuirkwatchFunctionArgs = Omit<sst.aws.FunctionArgs, "permissions"> &
  Required<Pick<sst.aws.FunctionArgs, "memory" | "timeout" | "link">> & {
    permissions: Permission[];
  };

/** DynamoDB item operations on the table (no scans, no batch or table-level calls). */
export const ITEM_READS_WRITES = [
  "dynamodb:GetItem",
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
];

/** Item operations on the table; `dynamodb:Query` also on each of its indexes. */
export function tableAccess(table: sst.aws.Dynamo, actions: string[]): Permission[] {
  const items = actions.filter((a) => a !== "dynamodb:Query");
  const query = actions.includes("dynamodb:Query");
  return [
    ...(items.length > 0 ? [{ actions: items, resources: [table.arn] }] : []),
    ...(query
      ? [
          {
            actions: ["dynamodb:Query"],
            resources: [
              table.arn,
              ...Object.keys(TABLE.globalIndexes).map(
                (index) => $interpolate`${table.arn}/index/${index}`,
              ),
            ],
          },
        ]
      : []),
  ];
}

/**
 * Only Lambda may assume a function's role. SST 4.17.1 gives every stage the trust policy of
 * `sst dev`, which also trusts the account's root (it tests `!dev` on an Output, always false),
 * so any principal of the account allowed `sts:AssumeRole` could take these roles on.
 */
const LAMBDA_ONLY = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Action: "sts:AssumeRole", Principal: { Service: "lambda.amazonaws.com" } },
  ],
});

/** Where the functions' EMF metrics go (shared/metrics-emf.ts): one namespace per stage. */
export const metricsNamespace = `Quirkwatch/${$app.stage}`;

/**
 * A Lambda whose role allows exactly `permissions`. SST's links would each grant every action
 * of their component (`dynamodb:*`, `sqs:*`, `sns:*`: ingest could purge the queue, the API
 * delete the alerts topic), so the role's inline policy is replaced by these statements.
 */
export function quirkwatchFunction(name: string, args: QuirkwatchFunctionArgs): sst.aws.Function {
  const policy = $jsonStringify({
    Version: "2012-10-17",
    Statement: args.permissions.map((p) => ({
      Effect: "Allow",
      Action: p.actions,
      Resource: p.resources,
    })),
  });
  return new sst.aws.Function(name, {
    ...functionDefaults,
    ...args,
    environment: { QUIRKWATCH_METRICS_NAMESPACE: metricsNamespace, ...args.environment },
    permissions: [],
    transform: {
      ...args.transform,
      role: (role) => {
        role.assumeRolePolicy = LAMBDA_ONLY;
        role.inlinePolicies = [{ name: "inline", policy }];
      },
    },
  });
}

/** SST takes durations as text, e.g. "365 seconds". */
export const seconds = (value: number) => `${value} seconds` as const;
