// GitHub Actions `strategy.matrix` expansion ("Running variations of jobs in a workflow" in the GitHub
// docs). The semantics follow GitHub's own MatrixBuilder (actions/runner, WorkflowParser/Conversion):
//
//   1. Every key other than `include`/`exclude` is a vector (dimension). The cross product is taken in
//      key order, the first key varying slowest.
//   2. `exclude` entries remove every product combination they match.
//   3. Each product combination that survives is matched against every `include` entry, using only the
//      entry's keys that are dimensions as the filter; the entry's other keys are "extras". Every entry
//      that matches adds its extras, in include order (a later entry may overwrite an extra added by an
//      earlier one, but a dimension value is never overwritten).
//   4. Each include entry that matched no product combination is appended as its own combination:
//      its dimension keys first, then its extras. With no dimensions, every include entry is appended.
//
// Matching ("filters"), as GitHub does it: a filter is flattened to its leaves, and each leaf must
// satisfy `matrix.<path> == <literal>` with the expression language's loose `==`. So nested objects and
// arrays match partially (`{os: {name: linux}}` matches `{name: linux, arch: x64}`, `[1]` matches
// `[1, 2]`, and an empty `{}`/`[]` matches anything), strings compare case-insensitively, and values of
// different kinds are compared as numbers (`"16" == 16`, `true == 1`, a missing path is `null` == 0).
//
// Errors, worded as GitHub words them: an empty vector, a vector that is not an array, an exclude key
// that is not a dimension (GitHub and nektos/act both reject it), an empty exclude or include entry,
// no vector and no include entry at all, and more than 256 jobs. Any error yields no combinations.
// A matrix whose combinations are all excluded yields no combinations and no error. A cross product
// over 1,000,000 combinations gets the 256-jobs error without being enumerated for excludes.
// Key order is JS object order, so integer-like keys ("1", "2") come before the others.

export type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
export type MatrixCombination = Record<string, Json>;
export interface MatrixResult {
  combinations: MatrixCombination[];
  /**
   * For each combination, the keys GitHub puts in its display name: the matrix dimensions for a
   * product combination (values an include added are left out), every key for one include appended.
   */
  nameKeys?: string[][];
  errors: string[];
}

export const MAX_MATRIX_JOBS = 256;
/** Cross products larger than this are refused outright instead of being enumerated for excludes. */
const MAX_CROSS_PRODUCT = 1_000_000;
/** GitHub truncates job display names to 100 characters. */
const MAX_DISPLAY_NAME = 100;

type Scalar = string | number | boolean | null;
type Leaf = { path: (string | number)[]; value: Scalar };

function isObject(value: Json | undefined): value is { [k: string]: Json } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: Json): string {
  return value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
}

/** Flattens a filter to its scalar leaves (an empty nested object/array contributes none). */
function leaves(value: Json, path: (string | number)[] = []): Leaf[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => leaves(item, [...path, i]));
  if (isObject(value)) return Object.entries(value).flatMap(([k, v]) => leaves(v, [...path, k]));
  return [{ path, value }];
}

function lookup(value: Json, path: (string | number)[]): Json {
  let current: Json = value;
  for (const key of path) {
    const next: Json | undefined =
      typeof key === "number"
        ? Array.isArray(current)
          ? current[key]
          : undefined
        : isObject(current)
          ? current[key]
          : undefined;
    if (next === undefined) return null;
    current = next;
  }
  return current;
}

function toNumber(value: Scalar): number {
  if (value === null) return 0;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "number") return value;
  return value.trim() === "" ? 0 : Number(value);
}

/** The expression language's `==` between a matrix value and a filter literal. */
function looseEquals(actual: Json, literal: Scalar): boolean {
  if (typeof actual === "object" && actual !== null) return false;
  if (typeof actual === "string" && typeof literal === "string")
    return actual.toUpperCase() === literal.toUpperCase();
  if (typeof actual === typeof literal) return actual === literal;
  return toNumber(actual) === toNumber(literal);
}

function matches(filter: Leaf[], combination: MatrixCombination): boolean {
  return filter.every((leaf) => looseEquals(lookup(combination, leaf.path), leaf.value));
}

function objectList(name: "include" | "exclude", value: Json, errors: string[]): { [k: string]: Json }[] {
  if (!Array.isArray(value)) {
    errors.push(`Matrix ${name} must be an array of objects, got ${describe(value)}`);
    return [];
  }
  const bad = value.findIndex((item) => !isObject(item));
  if (bad >= 0) {
    errors.push(`Matrix ${name} item ${bad + 1} must be an object, got ${describe(value[bad])}`);
    return [];
  }
  return value.filter(isObject);
}

export function expandMatrix(matrix: Record<string, Json>): MatrixResult {
  const errors: string[] = [];
  const vectors: [string, Json[]][] = [];
  let include: { [k: string]: Json }[] = [];
  let exclude: { [k: string]: Json }[] = [];
  let hasVectorKey = false;

  for (const [key, value] of Object.entries(matrix)) {
    if (key === "include") include = objectList(key, value, errors);
    else if (key === "exclude") exclude = objectList(key, value, errors);
    else {
      hasVectorKey = true;
      if (!Array.isArray(value))
        errors.push(`Matrix vector '${key}' must be an array, got ${describe(value)}`);
      else if (value.length === 0) errors.push(`Matrix vector '${key}' does not contain any values`);
      else vectors.push([key, value]);
    }
  }
  if (!hasVectorKey && include.length === 0 && errors.length === 0) {
    errors.push("Matrix must define at least one vector");
  }

  const dimensions = new Set(vectors.map(([key]) => key));
  for (const entry of exclude) {
    const keys = Object.keys(entry);
    if (keys.length === 0) errors.push("Matrix exclude filter must not be empty");
    for (const key of keys.filter((k) => !dimensions.has(k))) {
      errors.push(`Matrix exclude key '${key}' does not match any key within the matrix`);
    }
  }
  const includes = include.map((entry) => {
    if (Object.keys(entry).length === 0) errors.push("Matrix include mapping does not contain any values");
    const filter: MatrixCombination = {};
    const extra: MatrixCombination = {};
    for (const [key, value] of Object.entries(entry)) (dimensions.has(key) ? filter : extra)[key] = value;
    return { filter, leaves: leaves(filter), extra, matched: false };
  });
  if (errors.length > 0) return { combinations: [], errors };

  const tooMany: MatrixResult = {
    combinations: [],
    errors: [
      `Strategy expansion exceeded ${MAX_MATRIX_JOBS} results: a matrix can produce at most ${MAX_MATRIX_JOBS} jobs`,
    ],
  };
  const excludes = exclude.map((entry) => leaves(entry));
  const productSize =
    vectors.length === 0 ? 0 : vectors.reduce((size, [, values]) => size * values.length, 1);
  if (productSize > MAX_CROSS_PRODUCT) return tooMany;

  const combinations: MatrixCombination[] = [];
  const nameKeys: string[][] = [];
  for (let index = 0; index < productSize; index++) {
    const combination: MatrixCombination = {};
    let block = productSize;
    for (const [key, values] of vectors) {
      block /= values.length;
      combination[key] = values[Math.floor(index / block) % values.length];
    }
    if (excludes.some((filter) => matches(filter, combination))) continue;
    const extras: MatrixCombination = {};
    for (const entry of includes) {
      if (!matches(entry.leaves, combination)) continue;
      entry.matched = true;
      Object.assign(extras, entry.extra);
    }
    combinations.push({ ...combination, ...extras });
    nameKeys.push(Object.keys(combination));
    if (combinations.length > MAX_MATRIX_JOBS) return tooMany;
  }
  for (const entry of includes) {
    if (entry.matched) continue;
    const added = { ...entry.filter, ...entry.extra };
    combinations.push(added);
    nameKeys.push(Object.keys(added));
  }
  if (combinations.length > MAX_MATRIX_JOBS) return tooMany;
  // Values are shared with the input and between combinations: hand out independent copies (one
  // structuredClone per combination, as a single call would keep the sharing).
  return { combinations: combinations.map((c) => structuredClone(c)), nameKeys, errors: [] };
}

/**
 * The job name GitHub shows for a matrix job: `name (v1, v2, ...)`. The segments are the combination's
 * values in key order; objects and arrays are flattened to their scalar values (depth first, keys
 * omitted); null and empty strings are skipped. Like GitHub, the result is cut to 100 characters
 * (ending in "..."). A null combination, or one with no segments, leaves the name as it is.
 *
 * GitHub builds the name from the dimension values only: for a product combination, keys added by
 * `include` are not part of it. Pass `keys` (expandMatrix's `nameKeys`) to reproduce that exactly.
 */
export function matrixDisplayName(
  jobName: string,
  combination: MatrixCombination | null,
  keys?: string[],
): string {
  if (combination === null) return jobName;
  const shown = keys ? Object.fromEntries(keys.map((k) => [k, combination[k]])) : combination;
  const segments: string[] = [];
  const visit = (value: Json): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (isObject(value)) Object.values(value).forEach(visit);
    else if (value !== null && value !== "") segments.push(String(value));
  };
  Object.values(shown).forEach(visit);
  const name = segments.length > 0 ? `${jobName} (${segments.join(", ")})` : jobName;
  return name.length > MAX_DISPLAY_NAME ? `${name.slice(0, MAX_DISPLAY_NAME - 3)}...` : name;
}
