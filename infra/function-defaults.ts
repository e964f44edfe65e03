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

export function quirkwatchFunction(name: string, args: QuirkwatchFunctionArgs): sst.aws.Function {
  return new sst.aws.Function(name, { ...functionDefaults, ...args });
}

/** SST takes durations as text, e.g. "365 seconds". */
export const seconds = (value: number) => `${value} seconds` as const;
