/**
 * Settings every Quirkwatch Lambda shares. Each function still states its own memory and timeout,
 * and links only the resources its code reads (least-privilege IAM).
 */
export const functionDefaults = {
  runtime: "nodejs22.x",
  architecture: "arm64",
  logging: { retention: "1 month" },
} as const satisfies Partial<sst.aws.FunctionArgs>;

export type QuirkwatchFunctionArgs = sst.aws.FunctionArgs &
  Required<Pick<sst.aws.FunctionArgs, "memory" | "timeout" | "link">>;

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

export function quirkwatchFunction(name: string, args: QuirkwatchFunctionArgs): sst.aws.Function {
  return new sst.aws.Function(name, {
    ...functionDefaults,
    ...args,
    environment: { QUIRKWATCH_METRICS_NAMESPACE: metricsNamespace, ...args.environment },
    transform: { ...args.transform, role: { assumeRolePolicy: LAMBDA_ONLY } },
  });
}

/** SST takes durations as text, e.g. "365 seconds". */
export const seconds = (value: number) => `${value} seconds` as const;
