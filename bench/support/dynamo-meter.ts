import {
  type AttributeValue,
  type ConsumedCapacity,
  DynamoDBClient,
  GetItemCommand,
} from "@aws-sdk/client-dynamodb";
import { TABLE } from "../../shared/adapters/aws/table.ts";

/**
 * Meters every DynamoDB call any client in this process makes, as DynamoDB on-demand bills it:
 * a middleware asks each call for `ReturnConsumedCapacity: "TOTAL"` and adds up what comes back.
 * dynalite reports the table's units only, so the meter adds what DynamoDB bills besides:
 * - each global index write: an entry put, changed or deleted, or a delete and a put when the
 *   entry's key moves (an index entry is its keys and projected attributes plus 100 bytes);
 * - a conditional write that fails, which DynamoDB still bills (1 unit per KB of the item).
 */
export type Meter = {
  calls: Map<string, number>;
  readUnits: number;
  tableWriteUnits: number;
  indexWriteUnits: number;
  indexWrites: number;
  failedConditionalUnits: number;
  /** Write units (table and indexes) by item kind: the key's prefix, e.g. `INC`, `EVT`. */
  writesByKind: Map<string, number>;
};

export const meter: Meter = {
  calls: new Map(),
  readUnits: 0,
  tableWriteUnits: 0,
  indexWriteUnits: 0,
  indexWrites: 0,
  failedConditionalUnits: 0,
  writesByKind: new Map(),
};
const addKind = (id: string, n: number) => {
  const kind = /^[A-Z]+/.exec(id)?.[0] ?? "other";
  meter.writesByKind.set(kind, (meter.writesByKind.get(kind) ?? 0) + n);
};

const WRITES = new Set(["PutItemCommand", "UpdateItemCommand", "DeleteItemCommand"]);
const METERED = new Set([...WRITES, "GetItemCommand", "QueryCommand", "ScanCommand"]);
const KB = 1024;
const INDEX_ENTRY_OVERHEAD = 100;

/** DynamoDB's item size: attribute names plus values (numbers about half their digits). */
export function itemSize(item: Record<string, AttributeValue> | undefined): number {
  if (!item) return 0;
  let size = 0;
  for (const [name, value] of Object.entries(item))
    size += Buffer.byteLength(name) + valueSize(value);
  return size;
}

function valueSize(v: AttributeValue): number {
  if (v.S !== undefined) return Buffer.byteLength(v.S);
  if (v.N !== undefined) return Math.ceil(v.N.replace(/^-|\.|^0+/g, "").length / 2) + 1;
  if (v.B !== undefined) return v.B.length;
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (v.L !== undefined) return 3 + v.L.reduce((a, x) => a + 1 + valueSize(x), 0);
  if (v.M !== undefined) return 3 + Object.keys(v.M).length + itemSize(v.M);
  if (v.SS !== undefined) return v.SS.reduce((a, s) => a + Buffer.byteLength(s), 0);
  if (v.NS !== undefined) return v.NS.reduce((a, n) => a + n.length, 0);
  return 0;
}

const units = (bytes: number) => Math.max(1, Math.ceil(bytes / KB));

type Item = Record<string, AttributeValue>;
/** What each item looked like after its last write, to tell how its index entries move. */
const shadow = new Map<string, Item | undefined>();
const keyOf = (key: Item) => `${key.pk?.S}|${key.sk?.S}`;

function entry(
  item: Item | undefined,
  index: { hashKey: string; rangeKey: string; projection: string[] },
) {
  if (!item?.[index.hashKey] || !item[index.rangeKey]) return undefined;
  const out: Item = {};
  for (const name of ["pk", "sk", index.hashKey, index.rangeKey, ...index.projection]) {
    const value = item[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

function indexCost(before: Item | undefined, after: Item | undefined): number {
  const start = meter.indexWriteUnits;
  for (const index of Object.values(TABLE.globalIndexes)) {
    const [a, b] = [entry(before, index), entry(after, index)];
    const put = (e: Item) => {
      meter.indexWrites++;
      meter.indexWriteUnits += units(itemSize(e) + INDEX_ENTRY_OVERHEAD);
    };
    if (!a && b) put(b);
    else if (a && !b) put(a);
    else if (a && b) {
      const moved =
        JSON.stringify([a[index.hashKey], a[index.rangeKey]]) !==
        JSON.stringify([b[index.hashKey], b[index.rangeKey]]);
      if (moved) {
        put(a);
        put(b);
      } else if (JSON.stringify(a) !== JSON.stringify(b)) put(b);
    }
  }
  return meter.indexWriteUnits - start;
}

function addCapacity(
  name: string,
  id: string,
  c: ConsumedCapacity | ConsumedCapacity[] | undefined,
) {
  for (const one of Array.isArray(c) ? c : c ? [c] : []) {
    if (!WRITES.has(name)) meter.readUnits += one.CapacityUnits ?? 0;
    else {
      meter.tableWriteUnits += one.CapacityUnits ?? 0;
      addKind(id, one.CapacityUnits ?? 0);
    }
  }
}

type Input = {
  ReturnConsumedCapacity?: string;
  TableName?: string;
  Key?: Item;
  Item?: Item;
};

/** Installs the meter on every DynamoDB client; `raw` (the bench's own reads) is left out. */
export function meterDynamo(raw: DynamoDBClient): void {
  const instrumented = new WeakSet<DynamoDBClient>([raw]);
  const send = DynamoDBClient.prototype.send;
  // biome-ignore lint/suspicious/noExplicitAny: the SDK's overloaded send, passed through.
  DynamoDBClient.prototype.send = function (this: DynamoDBClient, ...args: any[]) {
    if (!instrumented.has(this)) {
      instrumented.add(this);
      this.middlewareStack.add(
        (next, context) => async (call) => {
          const name = context.commandName ?? "";
          const input = call.input as Input;
          meter.calls.set(name, (meter.calls.get(name) ?? 0) + 1);
          if (METERED.has(name)) input.ReturnConsumedCapacity = "TOTAL";
          const key = input.Key ?? input.Item;
          const id = key ? keyOf(key) : "";
          try {
            const result = await next(call);
            const output = result.output as { ConsumedCapacity?: ConsumedCapacity };
            addCapacity(name, id, output.ConsumedCapacity);
            if (WRITES.has(name) && key) {
              const after =
                name === "PutItemCommand"
                  ? input.Item
                  : name === "DeleteItemCommand"
                    ? undefined
                    : (
                        await raw.send(
                          new GetItemCommand({
                            TableName: input.TableName,
                            Key: { pk: key.pk as AttributeValue, sk: key.sk as AttributeValue },
                            ConsistentRead: true,
                          }),
                        )
                      ).Item;
              addKind(id, indexCost(shadow.get(id), after));
              shadow.set(id, after);
            }
            return result;
          } catch (error) {
            if ((error as Error).name === "ConditionalCheckFailedException") {
              meter.failedConditionalUnits += units(itemSize(input.Item));
              addKind(id, units(itemSize(input.Item)));
            }
            throw error;
          }
        },
        { step: "initialize", name: "benchCapacityMeter" },
      );
    }
    return send.apply(this, args as Parameters<typeof send>);
  } as typeof send;
}
