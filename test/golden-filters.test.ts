// Golden tests for src/workflow/filters.ts. Each test/golden/filters/*.yml file is either
//   patterns: [...]                      with  cases: { <value>: <expected matchesAny result> }
// or
//   paths: [...] and/or paths-ignore: [...]  with  cases: [{ changed: [...], expected: <bool> }]
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { matchesAny, pathsAllow } from "../src/workflow/filters.js";

const dir = join(import.meta.dirname, "golden", "filters");
const files = readdirSync(dir)
  .filter((name) => name.endsWith(".yml"))
  .sort();

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stringList(value: unknown, what: string): string[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    throw new Error(`${what} must be a list of strings`);
  }
  return value;
}

function optionalList(value: unknown, what: string): string[] | undefined {
  return value === undefined ? undefined : stringList(value, what);
}

function boolean(value: unknown, what: string): boolean {
  if (typeof value !== "boolean") throw new Error(`${what} must be true or false`);
  return value;
}

it("has golden files", () => {
  expect(files.length).toBeGreaterThanOrEqual(4);
});

describe.each(files)("%s", (file) => {
  const doc: unknown = parse(readFileSync(join(dir, file), "utf8"));
  if (!isRecord(doc)) throw new Error(`${file}: expected a mapping`);

  if (doc.patterns !== undefined) {
    const patterns = stringList(doc.patterns, "patterns");
    if (!isRecord(doc.cases)) throw new Error(`${file}: cases must map values to true/false`);
    const cases = Object.entries(doc.cases).map(([value, expected]) => ({
      value,
      expected: boolean(expected, `cases.${value}`),
    }));
    it.each(cases)("$value -> $expected", ({ value, expected }) => {
      expect(matchesAny(patterns, value)).toBe(expected);
    });
  } else {
    const paths = optionalList(doc.paths, "paths");
    const pathsIgnore = optionalList(doc["paths-ignore"], "paths-ignore");
    if (paths === undefined && pathsIgnore === undefined) {
      throw new Error(`${file}: needs patterns, paths or paths-ignore`);
    }
    if (!Array.isArray(doc.cases)) throw new Error(`${file}: cases must be a list`);
    const cases = doc.cases.map((entry: unknown, index: number) => {
      if (!isRecord(entry)) throw new Error(`${file}: cases[${index}] must be a mapping`);
      return {
        changed: stringList(entry.changed, `cases[${index}].changed`),
        expected: boolean(entry.expected, `cases[${index}].expected`),
      };
    });
    it.each(cases)("$changed -> $expected", ({ changed, expected }) => {
      expect(pathsAllow(paths, pathsIgnore, changed)).toBe(expected);
    });
  }
});
