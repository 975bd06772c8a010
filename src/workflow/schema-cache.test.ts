import { getActionSchema } from "@actions/workflow-parser/actions/action-schema";
import { getWorkflowSchema } from "@actions/workflow-parser/workflows/workflow-schema";
import { describe, expect, it } from "vitest";
import { parseWorkflowBounded } from "./bounded-parse.js";
import { deserializeSchema, serializedSchemas, serializeSchema, workflowSchema } from "./schema-cache.js";

/** Every object of a value and its prototype, in walk order: what must come back as it was. */
function shapes(value: unknown, out: string[] = [], path = "$"): string[] {
  if (typeof value !== "object" || value === null) {
    out.push(`${path} = ${JSON.stringify(value)}`);
    return out;
  }
  out.push(`${path}: ${Object.getPrototypeOf(value)?.constructor?.name}`);
  for (const [k, v] of Object.entries(value)) shapes(v, out, `${path}.${k}`);
  return out;
}

describe("the parser's schemas, serialised", () => {
  it.each([
    ["workflow", getWorkflowSchema],
    ["action", getActionSchema],
  ])("the %s schema comes back with the same fields and classes", (_name, get) => {
    const built = get();
    const back = deserializeSchema(serializeSchema(built));
    expect(back).not.toBe(built);
    expect(shapes(back)).toEqual(shapes(built));
    expect(back).toStrictEqual(built);
    // Methods work on what came back (they are the classes' own).
    const [key, def] = Object.entries(built.definitions)[0];
    expect(back.getDefinition(key)).toStrictEqual(def);
  });

  it("parses a workflow the same, problems included, as with the parser's own schema", () => {
    const back = deserializeSchema(serializedSchemas().workflow);
    const text =
      "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stepz: []\n    steps:\n      - run: echo ${{ github.sha }}\n";
    const ours = parseWorkflowBounded("ci.yml", text);
    expect(workflowSchema()).toBe(getWorkflowSchema()); // from source: the parser's own
    expect(back).toStrictEqual(ours.context.schema);
    expect(ours.context.errors.getErrors().map((e) => e.message)).toEqual([expect.stringContaining("stepz")]);
  });

  it("refuses an object of a class it does not know", () => {
    class Stranger {
      x = 1;
    }
    const schema = getWorkflowSchema();
    const odd = Object.assign(Object.create(Object.getPrototypeOf(schema)), schema, {
      definitions: { ...schema.definitions, odd: new Stranger() },
    });
    expect(() => serializeSchema(odd)).toThrow(/unknown class \(Stranger\)/);
    expect(() => deserializeSchema('{"__gantryClass":"Function"}')).toThrow(/unknown class Function/);
  });
});
