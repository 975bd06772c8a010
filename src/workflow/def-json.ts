// A workflow's and a job's definitions (WorkflowDef, JobDef: plain objects holding the parser's
// template tokens, which are class instances) as JSON text and back, each token of its class
// again: what the server hands a runner machine for a job (server/remote-jobs.ts). The tokens'
// link to the schema (definitionInfo) is left out: evaluating a token never reads it.
import {
  BasicExpressionToken,
  BooleanToken,
  InsertExpressionToken,
  KeyValuePair,
  MappingToken,
  NullToken,
  NumberToken,
  SequenceToken,
  StringToken,
} from "@actions/workflow-parser/templates/tokens/index";

const CLASSES: Record<string, { prototype: object }> = {
  BasicExpressionToken,
  BooleanToken,
  InsertExpressionToken,
  KeyValuePair,
  MappingToken,
  NullToken,
  NumberToken,
  SequenceToken,
  StringToken,
};
const CLASS_KEY = "__gantryClass";
const LEFT_OUT = new Set(["definitionInfo"]);

function encode(value: unknown, names: Map<object, string>): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => encode(v, names));
  const proto = Object.getPrototypeOf(value);
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (LEFT_OUT.has(k) || v === undefined) continue;
    fields[k] = encode(v, names);
  }
  if (proto === Object.prototype || proto === null) {
    if (CLASS_KEY in fields) throw new Error(`serializeDefs: a plain object has a ${CLASS_KEY} key`);
    return fields;
  }
  const name = names.get(proto);
  if (!name) throw new Error(`serializeDefs: an object of an unknown class (${proto?.constructor?.name})`);
  return { [CLASS_KEY]: name, ...fields };
}

/** `value` (definitions, contexts: anything of plain data and template tokens) as JSON text. */
export function serializeDefs(value: unknown): string {
  const names = new Map(Object.entries(CLASSES).map(([name, cls]) => [cls.prototype, name]));
  return JSON.stringify(encode(value, names));
}

/** What serializeDefs wrote, each token of its class again. */
export function deserializeDefs<T>(text: string): T {
  return JSON.parse(text, (_key, value: unknown) => {
    if (typeof value !== "object" || value === null || !(CLASS_KEY in value)) return value;
    const { [CLASS_KEY]: name, ...fields } = value as Record<string, unknown>;
    const cls = CLASSES[name as string];
    if (!cls) throw new Error(`deserializeDefs: unknown class ${String(name)}`);
    return Object.assign(Object.create(cls.prototype), fields);
  }) as T;
}
