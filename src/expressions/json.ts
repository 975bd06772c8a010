import { data } from "@actions/expressions";

/** Plain JSON data, the shape contexts and evaluated values take outside the evaluator. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export function toData(value: Json | undefined): data.ExpressionData {
  if (value === null || value === undefined) return new data.Null();
  if (typeof value === "string") return new data.StringData(value);
  if (typeof value === "number") return new data.NumberData(value);
  if (typeof value === "boolean") return new data.BooleanData(value);
  if (Array.isArray(value)) {
    const arr = new data.Array();
    for (const v of value) arr.add(toData(v));
    return arr;
  }
  const dict = new data.Dictionary();
  for (const [k, v] of Object.entries(value)) dict.add(k, toData(v));
  return dict;
}

export function fromData(value: data.ExpressionData): Json {
  switch (value.kind) {
    case data.Kind.Null:
      return null;
    case data.Kind.String:
      return (value as data.StringData).value;
    case data.Kind.Number:
      return (value as data.NumberData).value;
    case data.Kind.Boolean:
      return (value as data.BooleanData).value;
    case data.Kind.Array:
      return (value as data.Array).values().map(fromData);
    default: {
      const out: Record<string, Json> = {};
      for (const pair of (value as data.Dictionary).pairs()) out[pair.key] = fromData(pair.value);
      return out;
    }
  }
}
