// The GitHub parser's schemas (workflow-v1.0 and action-v1.0) as built objects, without building
// them at each start. The parser's getWorkflowSchema() turns its JSON into a TemplateSchema by
// reading it through the parser itself (a template read against the schema of schemas, then ≈ 700
// definition objects made and cross-checked): 20–30 ms of every `gantry run` on a quiet machine.
// scripts/build.mjs builds each schema once with the parser, writes it out with serializeSchema
// (each definition's class named beside its fields) and bakes the texts into the bundle
// (GANTRY_WORKFLOW_SCHEMA, GANTRY_ACTION_SCHEMA); at run time JSON.parse brings the same objects
// back, with their classes. Run from source (tests), without the texts, the parser builds them.
import { getActionSchema } from "@actions/workflow-parser/actions/action-schema";
import { BooleanDefinition } from "@actions/workflow-parser/templates/schema/boolean-definition";
import { MappingDefinition } from "@actions/workflow-parser/templates/schema/mapping-definition";
import { NullDefinition } from "@actions/workflow-parser/templates/schema/null-definition";
import { NumberDefinition } from "@actions/workflow-parser/templates/schema/number-definition";
import { OneOfDefinition } from "@actions/workflow-parser/templates/schema/one-of-definition";
import { PropertyDefinition } from "@actions/workflow-parser/templates/schema/property-definition";
import { SequenceDefinition } from "@actions/workflow-parser/templates/schema/sequence-definition";
import { StringDefinition } from "@actions/workflow-parser/templates/schema/string-definition";
import { TemplateSchema } from "@actions/workflow-parser/templates/schema/template-schema";
import { getWorkflowSchema } from "@actions/workflow-parser/workflows/workflow-schema";

// Replaced by scripts/build.mjs (esbuild's define) with the serialised schemas; undefined in source.
declare const GANTRY_WORKFLOW_SCHEMA: string;
declare const GANTRY_ACTION_SCHEMA: string;

/** The classes a schema's objects may have; anything else is a plain object or array. */
const CLASSES: Record<string, { prototype: object }> = {
  TemplateSchema,
  BooleanDefinition,
  MappingDefinition,
  NullDefinition,
  NumberDefinition,
  OneOfDefinition,
  PropertyDefinition,
  SequenceDefinition,
  StringDefinition,
};
const CLASS_KEY = "__gantryClass";

/** A schema as JSON text, each class instance's class named in CLASS_KEY. */
export function serializeSchema(schema: TemplateSchema): string {
  const names = new Map(Object.entries(CLASSES).map(([name, cls]) => [cls.prototype, name]));
  const seen = new Set<object>();
  return JSON.stringify(schema, function (this: unknown, _key: string, value: unknown) {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
    if (seen.has(value)) throw new Error("serializeSchema: an object is reached twice");
    seen.add(value);
    const proto = Object.getPrototypeOf(value);
    if (proto === Object.prototype) {
      if (CLASS_KEY in value) throw new Error(`serializeSchema: a plain object has a ${CLASS_KEY} key`);
      return value;
    }
    const name = names.get(proto);
    if (!name)
      throw new Error(`serializeSchema: an object of an unknown class (${proto?.constructor?.name})`);
    return { [CLASS_KEY]: name, ...value };
  });
}

/** The schema serializeSchema wrote: the same fields, each object of its class again. */
export function deserializeSchema(text: string): TemplateSchema {
  return JSON.parse(text, (_key, value: unknown) => {
    if (typeof value !== "object" || value === null || !(CLASS_KEY in value)) return value;
    const { [CLASS_KEY]: name, ...fields } = value as Record<string, unknown>;
    const cls = CLASSES[name as string];
    if (!cls) throw new Error(`deserializeSchema: unknown class ${String(name)}`);
    return Object.assign(Object.create(cls.prototype), fields);
  }) as TemplateSchema;
}

// Each baked text's one use: esbuild pastes the string there. From source the names are not
// defined, and reading them throws.
function bakedWorkflow(): string | undefined {
  try {
    return GANTRY_WORKFLOW_SCHEMA;
  } catch {
    return undefined;
  }
}
function bakedAction(): string | undefined {
  try {
    return GANTRY_ACTION_SCHEMA;
  } catch {
    return undefined;
  }
}

let workflow: TemplateSchema | undefined;
let action: TemplateSchema | undefined;

/** The workflow-v1.0 schema (the same object each call). */
export function workflowSchema(): TemplateSchema {
  if (workflow) return workflow;
  const text = bakedWorkflow();
  workflow = text === undefined ? getWorkflowSchema() : deserializeSchema(text);
  return workflow;
}

/** The action-v1.0 (action.yml) schema (the same object each call). */
export function actionSchema(): TemplateSchema {
  if (action) return action;
  const text = bakedAction();
  action = text === undefined ? getActionSchema() : deserializeSchema(text);
  return action;
}

/** Both schemas built by the parser, serialised: what scripts/build.mjs bakes into the bundle. */
export function serializedSchemas(): { workflow: string; action: string } {
  return { workflow: serializeSchema(getWorkflowSchema()), action: serializeSchema(getActionSchema()) };
}
