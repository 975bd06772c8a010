import { describe, expect, it } from "vitest";
import {
  expandMatrix,
  type Json,
  MAX_MATRIX_JOBS,
  type MatrixCombination,
  matrixDisplayName,
} from "./matrix.js";

/** Combinations as [key, value] lists, so that key order is compared too. */
function entries(combinations: MatrixCombination[]): [string, Json][][] {
  return combinations.map((c) => Object.entries(c));
}

function expectCombinations(matrix: Record<string, Json>, expected: MatrixCombination[]): void {
  const result = expandMatrix(matrix);
  expect(result.errors).toEqual([]);
  expect(entries(result.combinations)).toEqual(entries(expected));
}

function expectErrors(matrix: Record<string, Json>, ...errors: string[]): void {
  expect(expandMatrix(matrix)).toEqual({ combinations: [], errors });
}

describe("expandMatrix: GitHub docs examples", () => {
  it("takes the cross product with the first key varying slowest", () => {
    expectCombinations({ version: [10, 12, 14], os: ["ubuntu-latest", "windows-latest"] }, [
      { version: 10, os: "ubuntu-latest" },
      { version: 10, os: "windows-latest" },
      { version: 12, os: "ubuntu-latest" },
      { version: 12, os: "windows-latest" },
      { version: 14, os: "ubuntu-latest" },
      { version: 14, os: "windows-latest" },
    ]);
  });

  it("expands and adds configurations with include (fruit/animal example)", () => {
    expectCombinations(
      {
        fruit: ["apple", "pear"],
        animal: ["cat", "dog"],
        include: [
          { color: "green" },
          { color: "pink", animal: "cat" },
          { fruit: "apple", shape: "circle" },
          { fruit: "banana" },
          { fruit: "banana", animal: "cat" },
        ],
      },
      [
        { fruit: "apple", animal: "cat", color: "pink", shape: "circle" },
        { fruit: "apple", animal: "dog", color: "green", shape: "circle" },
        { fruit: "pear", animal: "cat", color: "pink" },
        { fruit: "pear", animal: "dog", color: "green" },
        { fruit: "banana" },
        { fruit: "banana", animal: "cat" },
      ],
    );
  });

  it("extends one configuration (os/node/npm example)", () => {
    expectCombinations(
      {
        os: ["windows-latest", "ubuntu-latest"],
        node: [14, 16],
        include: [{ os: "windows-latest", node: 16, npm: 6 }],
      },
      [
        { os: "windows-latest", node: 14 },
        { os: "windows-latest", node: 16, npm: 6 },
        { os: "ubuntu-latest", node: 14 },
        { os: "ubuntu-latest", node: 16 },
      ],
    );
  });

  it("adds a configuration that matches no combination (node 17 example)", () => {
    const result = expandMatrix({
      os: ["windows-latest", "ubuntu-latest"],
      node: [14, 16],
      include: [{ os: "windows-latest", node: 17 }],
    });
    expect(result.combinations).toHaveLength(5);
    expect(result.combinations[4]).toEqual({ os: "windows-latest", node: 17 });
  });

  it("excludes with full and partial entries", () => {
    const result = expandMatrix({
      os: ["macos-latest", "windows-latest"],
      version: [12, 14, 16],
      environment: ["staging", "production"],
      exclude: [
        { os: "macos-latest", version: 12, environment: "production" },
        { os: "windows-latest", version: 16 },
      ],
    });
    expect(result.errors).toEqual([]);
    expect(result.combinations).toHaveLength(9);
    expect(result.combinations).not.toContainEqual({
      os: "macos-latest",
      version: 12,
      environment: "production",
    });
    expect(result.combinations.filter((c) => c.os === "windows-latest" && c.version === 16)).toEqual([]);
    expect(result.combinations[0]).toEqual({ os: "macos-latest", version: 12, environment: "staging" });
  });

  it("uses each include entry as a combination when there are no dimensions", () => {
    expectCombinations(
      {
        include: [
          { site: "production", datacenter: "site-a" },
          { site: "staging", datacenter: "site-b" },
        ],
      },
      [
        { site: "production", datacenter: "site-a" },
        { site: "staging", datacenter: "site-b" },
      ],
    );
  });
});

describe("expandMatrix: include and exclude details", () => {
  it("applies exclude before include, and include never brings back an excluded combination", () => {
    expectCombinations(
      { os: ["linux", "mac"], exclude: [{ os: "mac" }], include: [{ os: "mac", extra: true }, { flag: 1 }] },
      [
        { os: "linux", flag: 1 },
        { os: "mac", extra: true },
      ],
    );
  });

  it("lets a later include overwrite a value added by an earlier include, never an original value", () => {
    expectCombinations(
      {
        os: ["linux", "mac"],
        include: [{ label: "a" }, { os: "mac", label: "b" }, { os: "linux", label: "c", os2: "x" }],
      },
      [
        { os: "linux", label: "c", os2: "x" },
        { os: "mac", label: "b" },
      ],
    );
  });

  it("does not extend include-added combinations with later include entries", () => {
    expectCombinations({ os: ["linux"], include: [{ os: "win" }, { color: "red" }] }, [
      { os: "linux", color: "red" },
      { os: "win" },
    ]);
  });

  it("puts the dimension keys of an appended include entry first", () => {
    expectCombinations({ os: ["linux"], include: [{ npm: 6, os: "win" }] }, [
      { os: "linux" },
      { os: "win", npm: 6 },
    ]);
  });

  it("matches object values deeply and partially", () => {
    const linux = { name: "linux", arch: "x64" };
    const mac = { name: "mac", arch: "arm64" };
    expectCombinations(
      {
        platform: [linux, mac],
        node: [[18, 20], [22]],
        exclude: [{ platform: { name: "mac" }, node: [22] }],
        include: [{ platform: { arch: "x64" }, runner: "ubuntu-latest" }],
      },
      [
        { platform: linux, node: [18, 20], runner: "ubuntu-latest" },
        { platform: linux, node: [22], runner: "ubuntu-latest" },
        { platform: mac, node: [18, 20] },
      ],
    );
  });

  it("compares like the expression language's ==: case-insensitive strings, numbers across kinds", () => {
    expectCombinations(
      { os: ["Ubuntu", "windows"], node: [16, 18], exclude: [{ os: "ubuntu", node: "16" }] },
      [
        { os: "Ubuntu", node: 18 },
        { os: "windows", node: 16 },
        { os: "windows", node: 18 },
      ],
    );
  });

  it("returns no combinations and no error when everything is excluded", () => {
    expect(expandMatrix({ os: ["linux"], exclude: [{ os: "linux" }] })).toMatchObject({
      combinations: [],
      errors: [],
    });
  });

  it("names product combinations by their dimensions and appended includes by all their keys", () => {
    const result = expandMatrix({
      os: ["windows", "linux"],
      node: [16],
      include: [
        { os: "windows", npm: 6 },
        { os: "mac", node: 20 },
      ],
    });
    const names = result.combinations.map((c, i) => matrixDisplayName("build", c, result.nameKeys?.[i]));
    expect(names).toEqual(["build (windows, 16)", "build (linux, 16)", "build (mac, 20)"]);
  });

  it("keeps value types", () => {
    expectCombinations({ n: [1, 2.5], b: [true, false], s: ["1"], z: [null] }, [
      { n: 1, b: true, s: "1", z: null },
      { n: 1, b: false, s: "1", z: null },
      { n: 2.5, b: true, s: "1", z: null },
      { n: 2.5, b: false, s: "1", z: null },
    ]);
  });

  it("returns combinations that do not share values with the input or each other", () => {
    const input = { a: [1, 2], include: [{ extra: { deep: [1] } }] };
    const { combinations } = expandMatrix(input);
    const first = combinations[0].extra as { deep: number[] };
    first.deep.push(2);
    expect(combinations[1].extra).toEqual({ deep: [1] });
    expect(input.include[0].extra.deep).toEqual([1]);
  });
});

describe("expandMatrix: limits and errors", () => {
  const values = (n: number): Json[] => Array.from({ length: n }, (_, i) => i);
  const tooMany = `Strategy expansion exceeded ${MAX_MATRIX_JOBS} results: a matrix can produce at most 256 jobs`;

  it("allows exactly 256 jobs", () => {
    expect(expandMatrix({ a: values(16), b: values(16) }).combinations).toHaveLength(256);
  });

  it("refuses more than 256 jobs, counting appended includes", () => {
    expectErrors({ a: values(16), b: values(16), include: [{ a: 99 }] }, tooMany);
    expectErrors({ a: values(257) }, tooMany);
    expectErrors({ a: values(1000), b: values(1000), c: values(1000) }, tooMany);
  });

  it("counts after exclude", () => {
    const result = expandMatrix({ a: values(20), b: values(20), exclude: values(10).map((a) => ({ a })) });
    expect(result.errors).toEqual([]);
    expect(result.combinations).toHaveLength(200);
  });

  it("reports bad vectors", () => {
    expectErrors({ os: [] }, "Matrix vector 'os' does not contain any values");
    expectErrors(
      { os: "linux", node: { v: 1 } },
      "Matrix vector 'os' must be an array, got string",
      "Matrix vector 'node' must be an array, got object",
    );
  });

  it("reports an empty matrix", () => {
    expectErrors({}, "Matrix must define at least one vector");
    expectErrors({ include: [] }, "Matrix must define at least one vector");
    expectErrors({ exclude: [] }, "Matrix must define at least one vector");
  });

  it("reports include/exclude that are not arrays of objects", () => {
    expectErrors(
      { os: ["a"], include: { os: "b" } },
      "Matrix include must be an array of objects, got object",
    );
    expectErrors({ os: ["a"], exclude: "b" }, "Matrix exclude must be an array of objects, got string");
    expectErrors(
      { os: ["a"], include: [{ os: "b" }, ["x"]] },
      "Matrix include item 2 must be an object, got an array",
    );
    expectErrors({ os: ["a"], exclude: [null] }, "Matrix exclude item 1 must be an object, got null");
  });

  it("reports exclude keys that are not dimensions, and empty entries", () => {
    expectErrors(
      { os: ["a"], exclude: [{ os: "a", node: 1 }, {}] },
      "Matrix exclude key 'node' does not match any key within the matrix",
      "Matrix exclude filter must not be empty",
    );
    expectErrors({ os: ["a"], include: [{}] }, "Matrix include mapping does not contain any values");
  });
});

describe("matrixDisplayName", () => {
  it("joins the values in key order", () => {
    expect(matrixDisplayName("build", { node: 18, os: "linux" })).toBe("build (18, linux)");
    expect(matrixDisplayName("build", { flag: true, ratio: 0.5 })).toBe("build (true, 0.5)");
  });

  it("returns the job name for a null or empty combination", () => {
    expect(matrixDisplayName("build", null)).toBe("build");
    expect(matrixDisplayName("build", {})).toBe("build");
    expect(matrixDisplayName("build", { a: null, b: "" })).toBe("build");
  });

  it("flattens objects and arrays to their scalar values", () => {
    expect(matrixDisplayName("test", { platform: { os: "linux", arch: ["x64", "arm"] }, node: 20 })).toBe(
      "test (linux, x64, arm, 20)",
    );
  });

  it("cuts names to 100 characters like GitHub", () => {
    const name = matrixDisplayName("build", { long: "x".repeat(200) });
    expect(name).toHaveLength(100);
    expect(name.endsWith("...")).toBe(true);
  });
});
