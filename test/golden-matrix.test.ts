// Golden tests for matrix expansion: every test/golden/matrix/*.yml holds a `matrix:` (the evaluated
// strategy.matrix) and either `expected:` (the combinations, in order, with their keys in order) or
// `errors:` (the error messages; no combinations are produced then).
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { expandMatrix, type Json, type MatrixCombination } from "../src/workflow/matrix.js";

interface Golden {
  matrix: Record<string, Json>;
  expected?: MatrixCombination[];
  errors?: string[];
}

const dir = fileURLToPath(new URL("./golden/matrix/", import.meta.url));
const files = readdirSync(dir)
  .filter((name) => name.endsWith(".yml"))
  .sort();

function load(name: string): Golden {
  const doc: unknown = parse(readFileSync(dir + name, "utf8"));
  if (typeof doc !== "object" || doc === null || !("matrix" in doc)) throw new Error(`${name}: no matrix`);
  if ("expected" in doc === "errors" in doc) throw new Error(`${name}: needs exactly one of expected/errors`);
  return doc as Golden;
}

/** [key, value] lists, so that key order is compared too. */
const entries = (combinations: MatrixCombination[]) => combinations.map((c) => Object.entries(c));

describe("matrix golden files", () => {
  it("has golden files", () => {
    expect(files.length).toBeGreaterThanOrEqual(6);
  });

  it.each(files)("%s", (name) => {
    const golden = load(name);
    const result = expandMatrix(golden.matrix);
    if (golden.errors) {
      expect(result).toEqual({ combinations: [], errors: golden.errors });
    } else {
      expect(result.errors).toEqual([]);
      expect(entries(result.combinations)).toEqual(entries(golden.expected ?? []));
    }
  });
});
