/**
 * Pulumi mocks (`pulumi.runtime.setMocks`) standing in for AWS: every resource SST registers is
 * recorded with its inputs and answered with the outputs AWS would give it (ARN, name, URL), and
 * the provider functions SST calls are answered as AWS would. A provider function without an
 * answer here fails the evaluation, naming it.
 */
import type { runtime } from "@pulumi/pulumi";

const REGION = "us-east-1";
const ACCOUNT = "123456789012";

export type RecordedResource = {
  /** Pulumi's type token: `aws:sqs/queue:Queue`, or an SST component's, `sst:aws:Queue`. */
  type: string;
  name: string;
  /** The ID AWS would give it; here `<name>-id`. */
  id: string;
  inputs: Record<string, unknown>;
  /** The inputs with the outputs the mock made up (`arn`, `name`, `url`, ...). */
  state: Record<string, unknown>;
};

export class MissingMockError extends Error {
  override name = "MissingMockError";
}

export function awsMocks(recorded: RecordedResource[]): runtime.Mocks {
  return {
    newResource({ type, name, inputs: given }) {
      const inputs = revealSecrets(given) as Record<string, unknown>;
      const id = `${name}-id`;
      const state = { ...inputs, ...outputsOf(type, name, inputs) };
      recorded.push({ type, name, id, inputs, state });
      return { id, state };
    },
    call({ token, inputs: given }) {
      const inputs = revealSecrets(given) as Record<string, never>;
      switch (token) {
        case "aws:index/getPartition:getPartition":
          return { id: "aws", partition: "aws", dnsSuffix: "amazonaws.com" };
        case "aws:index/getRegion:getRegion":
          return { id: REGION, name: REGION, region: REGION };
        case "aws:index/getCallerIdentity:getCallerIdentity":
          return { id: ACCOUNT, accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:root` };
        case "aws:iam/getPolicyDocument:getPolicyDocument": {
          const statements = inputs.statements ?? [];
          return { id: "policy", statements, json: JSON.stringify(policyDocument(statements)) };
        }
        default:
          throw new MissingMockError(
            `No mock answers the provider function ${token}: add one to ${import.meta.filename}`,
          );
      }
    },
  };
}

/** The outputs AWS gives a resource, made up from its name. */
function outputsOf(type: string, name: string, inputs: Record<string, unknown>) {
  const physicalName = typeof inputs.name === "string" ? inputs.name : name;
  const service = type.split(":")[1]?.split("/")[0];
  const arn = `arn:aws:${service}:${REGION}:${ACCOUNT}:${physicalName}`;
  switch (type) {
    case "aws:sqs/queue:Queue":
      return {
        arn,
        name: physicalName,
        url: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${physicalName}`,
      };
    case "aws:lambda/function:Function": {
      const fnArn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${physicalName}`;
      return {
        arn: fnArn,
        name: physicalName,
        qualifiedArn: `${fnArn}:$LATEST`,
        version: "$LATEST",
        invokeArn: `arn:aws:apigateway:${REGION}:lambda:path/2015-03-31/functions/${fnArn}/invocations`,
      };
    }
    case "aws:lambda/functionUrl:FunctionUrl":
      return { functionUrl: `https://${name.toLowerCase()}.lambda-url.${REGION}.on.aws/` };
    case "aws:apigatewayv2/api:Api":
      return {
        arn,
        apiEndpoint: `https://${name.toLowerCase()}.execute-api.${REGION}.amazonaws.com`,
        executionArn: `arn:aws:execute-api:${REGION}:${ACCOUNT}:${name}`,
      };
    case "random:index/randomBytes:RandomBytes":
      return { base64: Buffer.alloc(32).toString("base64"), hex: "00".repeat(32) };
    default:
      return { arn, name: physicalName };
  }
}

/** Pulumi marks a secret as `{ [SIG_KEY]: SECRET_SIG, value }` (runtime/rpc.ts in Pulumi). */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** The value with every secret replaced by what it hides, so tests see plain inputs. */
function revealSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(revealSecrets);
  if (typeof value !== "object" || value === null) return value;
  const object = value as Record<string, unknown>;
  if (object[SIG_KEY] === SECRET_SIG) return revealSecrets(object.value);
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, revealSecrets(v)]));
}

type StatementInput = {
  sid?: string;
  effect?: string;
  actions?: string[];
  resources?: string[];
  principals?: { type: string; identifiers: string[] }[];
  conditions?: { test: string; variable: string; values: string[] }[];
};

/** The JSON `aws.iam.getPolicyDocument` makes of its statements; unset parts are left out. */
function policyDocument(statements: StatementInput[]) {
  return {
    Version: "2012-10-17",
    Statement: statements.map((s) => {
      const principal: Record<string, string[]> = {};
      for (const p of s.principals ?? [])
        principal[p.type] = [...(principal[p.type] ?? []), ...p.identifiers];
      const condition: Record<string, Record<string, string[]>> = {};
      for (const c of s.conditions ?? []) {
        condition[c.test] = { ...condition[c.test], [c.variable]: c.values };
      }
      return {
        ...(s.sid ? { Sid: s.sid } : {}),
        Effect: s.effect ?? "Allow",
        ...(s.actions?.length ? { Action: s.actions } : {}),
        ...(s.resources?.length ? { Resource: s.resources } : {}),
        ...(s.principals?.length ? { Principal: principal } : {}),
        ...(s.conditions?.length ? { Condition: condition } : {}),
      };
    }),
  };
}
