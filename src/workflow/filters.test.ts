import { describe, expect, it } from "vitest";
import { filterAllows, matchesAny, matchPattern, pathsAllow, patternError } from "./filters.js";

type Row = readonly [pattern: string, matches: readonly string[], nonMatches: readonly string[]];

function checkRows(rows: readonly Row[]): void {
  for (const [pattern, matches, nonMatches] of rows) {
    for (const value of matches) expect(matchPattern(pattern, value), `${pattern} ~ ${value}`).toBe(true);
    for (const value of nonMatches)
      expect(matchPattern(pattern, value), `${pattern} !~ ${value}`).toBe(false);
  }
}

describe("cheat sheet: branches and tags", () => {
  it("matches every documented example", () => {
    checkRows([
      ["feature/*", ["feature/my-branch", "feature/your-branch"], ["feature/beta-a/my-branch", "feature"]],
      [
        "feature/**",
        ["feature/beta-a/my-branch", "feature/your-branch", "feature/mona/the/octocat"],
        ["feature", "features/x"],
      ],
      ["main", ["main"], ["main2", "xmain", "Main"]],
      ["releases/mona-the-octocat", ["releases/mona-the-octocat"], ["releases/mona"]],
      ["*", ["main", "releases"], ["releases/v1"]],
      ["**", ["all/the/branches", "every/tag", "main"], []],
      ["*feature", ["mona-feature", "feature", "ver-10-feature"], ["mona/feature", "feature-x"]],
      ["v2*", ["v2", "v2.0", "v2.9"], ["v1.0", "v2/x"]],
      ["v[12].[0-9]+.[0-9]+", ["v1.10.1", "v2.0.0"], ["v3.0.0", "v1.x.1", "v1..1", "v1.0", "v1a0.0"]],
      [
        "releases/**-alpha",
        ["releases/10-alpha", "releases/beta/3-alpha"],
        ["releases/10", "releases/10-beta"],
      ],
    ]);
  });

  it("supports the bracket examples", () => {
    checkRows([
      ["[CB]at", ["Cat", "Bat"], ["at", "Hat", "CBat"]],
      ["[1-2]00", ["100", "200"], ["300", "00"]],
      ["[0-9a-z]", ["0", "9", "a", "z"], ["A", "-", ""]],
      // Older docs read `?` as "any one character" (`Octoc?t` ~ `Octocat`); it now repeats the preceding one.
      ["Octoc?t", ["Octot", "Octoct"], ["Octocat", "Octocct"]],
    ]);
  });
});

describe("cheat sheet: paths", () => {
  it("matches every documented example", () => {
    checkRows([
      ["*", ["README.md", "server.rb"], ["docs/file.txt"]],
      ["*.jsx?", ["page.js", "page.jsx"], ["page.jsxx", "src/page.js", "page.j"]],
      ["**", ["all/the/files.md", "README.md"], []],
      ["*.js", ["app.js", "index.js"], ["js/index.js", "app.jsx", "appjs"]],
      ["**.js", ["index.js", "js/index.js", "src/js/app.js"], ["index.jsx"]],
      ["**.jsx?", ["index.js", "src/page.jsx"], ["src/page.ts"]],
      ["docs/*", ["docs/README.md", "docs/file.txt"], ["docs/mona/octocat.txt", "README.md"]],
      ["docs/**", ["docs/README.md", "docs/mona/octocat.txt"], ["README.md", "dir/docs/a.md"]],
      [
        "docs/**/*.md",
        ["docs/README.md", "docs/mona/hello-world.md", "docs/a/markdown/file.md"],
        ["docs/a.txt", "README.md"],
      ],
      [
        "**/docs/**",
        ["docs/hello.md", "dir/docs/my-file.txt", "space/docs/plan/space.doc"],
        ["mydocs/a.md", "docs"],
      ],
      ["**/README.md", ["README.md", "js/README.md"], ["README.mdx", "js/xREADME.md"]],
      ["**/*src/**", ["a/src/app.js", "my-src/code/js/app.js", "src/app.js"], ["source/app.js", "src"]],
      ["**/*-post.md", ["my-post.md", "path/their-post.md"], ["post.md", "my-post.mdx"]],
      [
        "**/migrate-*.sql",
        ["migrate-10909.sql", "db/migrate-v1.0.sql", "db/sept/migrate-v1.sql"],
        ["migrate.sql", "db/migrate-1/x.sql"],
      ],
      ["migrate-10909.sql", ["migrate-10909.sql"], ["migrate-10909xsql", "db/migrate-10909.sql"]],
    ]);
  });

  it("evaluates the negation examples in order", () => {
    const md = ["*.md", "!README.md"];
    expect(matchesAny(md, "hello.md")).toBe(true);
    expect(matchesAny(md, "README.md")).toBe(false);
    expect(matchesAny(md, "docs/hello.md")).toBe(false);
    const reincluded = ["*.md", "!README.md", "README*"];
    expect(matchesAny(reincluded, "hello.md")).toBe(true);
    expect(matchesAny(reincluded, "README.md")).toBe(true);
    expect(matchesAny(reincluded, "README.doc")).toBe(true);
  });
});

describe("matchPattern details", () => {
  it("matches the whole value, case-sensitively, with literal characters", () => {
    checkRows([
      [".yml", [".yml"], ["fyml", "a.yml"]],
      ["a(b)|c$", ["a(b)|c$"], ["ab", "c"]],
      ["README.md", ["README.md"], ["readme.md"]],
      ["ünï/😀+", ["ünï/😀", "ünï/😀😀"], ["ünï/"]],
    ]);
  });

  it("applies ? and + to the preceding character, escape or bracket", () => {
    checkRows([
      ["ab+c", ["abc", "abbbc"], ["ac"]],
      ["a/+b", ["a/b", "a//b"], ["ab"]],
      ["v[0-9]+", ["v1", "v123"], ["v", "v1a"]],
      ["x\\*+", ["x*", "x**"], ["x", "xy"]],
      ["a?+b", ["b", "ab", "aab"], ["cb"]],
      ["a+?b", ["b", "ab", "aaab"], []],
    ]);
  });

  it("treats ? and + with nothing to repeat as no-ops", () => {
    checkRows([
      ["?abc", ["abc"], ["?abc", "xabc"]],
      ["+abc", ["abc"], ["+abc"]],
      ["a*?", ["a", "abc"], ["a/b"]],
      ["a**+", ["a", "a/b/c"], ["b"]],
    ]);
  });

  it("escapes special characters with a backslash", () => {
    checkRows([
      ["\\!file", ["!file"], ["file"]],
      ["a\\*b", ["a*b"], ["axb"]],
      ["a\\?", ["a?"], ["a", ""]],
      ["\\[x]", ["[x]"], ["x"]],
      ["escape\\\\backslash", ["escape\\backslash"], ["escapebackslash"]],
    ]);
  });

  it("does not give ! special meaning except at the start of a list entry", () => {
    expect(matchPattern("important!", "important!")).toBe(true);
    expect(matchPattern("!x", "!x")).toBe(true);
    expect(matchesAny(["important!"], "important!")).toBe(true);
    expect(matchesAny(["\\!x"], "!x")).toBe(true);
  });
});

describe("invalid patterns", () => {
  const invalid = ["[abc", "a[", "[]", "[a-]", "[-a]", "[z-a]", "[a-Z]", "[A-z]", "[._]", "[a\\]]", "tail\\"];

  it("reports an error and matches nothing", () => {
    for (const pattern of invalid) {
      expect(patternError(pattern), pattern).toMatch(/^Invalid pattern/);
      expect(matchPattern(pattern, pattern), pattern).toBe(false);
      expect(matchPattern(pattern, "a"), pattern).toBe(false);
    }
  });

  it("does not throw out of matchesAny; invalid entries are skipped", () => {
    expect(() => matchesAny(invalid, "a")).not.toThrow();
    expect(matchesAny(["**", "![abc"], "a")).toBe(true);
    expect(matchesAny(["[abc", "a"], "a")).toBe(true);
  });

  it("accepts valid patterns", () => {
    for (const pattern of ["**", "v[12].[0-9]+.[0-9]+", "[a-zA-Z0-9]", "a]b", "", "!x", "\\\\"]) {
      expect(patternError(pattern), pattern).toBeUndefined();
    }
    expect(matchPattern("a]b", "a]b")).toBe(true);
  });
});

describe("matchesAny", () => {
  it("lets the last matching pattern win", () => {
    const patterns = ["releases/**", "!releases/**-alpha", "releases/**-alpha-keep"];
    expect(matchesAny(patterns, "releases/10")).toBe(true);
    expect(matchesAny(patterns, "releases/10-alpha")).toBe(false);
    expect(matchesAny(patterns, "releases/10-alpha-keep")).toBe(true);
    expect(matchesAny(patterns, "main")).toBe(false);
  });

  it("matches nothing with only negative patterns or no patterns", () => {
    expect(matchesAny(["!main"], "main")).toBe(false);
    expect(matchesAny(["!main"], "other")).toBe(false);
    expect(matchesAny([], "main")).toBe(false);
  });

  it("ignores a negation that comes before the positive pattern", () => {
    expect(matchesAny(["!releases/**-alpha", "releases/**"], "releases/10-alpha")).toBe(true);
  });
});

describe("filterAllows", () => {
  it("applies include, ignore or neither", () => {
    expect(filterAllows(["main", "releases/**"], undefined, "releases/1")).toBe(true);
    expect(filterAllows(["main", "releases/**"], undefined, "dev")).toBe(false);
    expect(filterAllows(undefined, ["dev/**"], "dev/x")).toBe(false);
    expect(filterAllows(undefined, ["dev/**"], "main")).toBe(true);
    expect(filterAllows(undefined, ["releases/**", "!releases/**-keep"], "releases/1-keep")).toBe(true);
    expect(filterAllows(undefined, undefined, "anything")).toBe(true);
  });

  it("requires both when both are given", () => {
    expect(filterAllows(["**"], ["dev"], "dev")).toBe(false);
    expect(filterAllows(["**"], ["dev"], "main")).toBe(true);
  });
});

describe("pathsAllow", () => {
  it("runs with paths when at least one changed file matches", () => {
    const paths = ["src/**", "!src/**/*.md"];
    expect(pathsAllow(paths, undefined, ["README.md", "src/a.ts"])).toBe(true);
    expect(pathsAllow(paths, undefined, ["README.md", "src/docs/a.md"])).toBe(false);
    expect(pathsAllow(paths, undefined, ["docs/a.md"])).toBe(false);
  });

  it("runs with paths-ignore unless every changed file is ignored", () => {
    const ignore = ["docs/**", "**.md", "!CHANGELOG.md"];
    expect(pathsAllow(undefined, ignore, ["docs/a.txt", "README.md"])).toBe(false);
    expect(pathsAllow(undefined, ignore, ["docs/a.txt", "src/a.ts"])).toBe(true);
    expect(pathsAllow(undefined, ignore, ["CHANGELOG.md"])).toBe(true);
  });

  it("handles no filters and no changed files", () => {
    expect(pathsAllow(undefined, undefined, ["a"])).toBe(true);
    expect(pathsAllow(undefined, undefined, [])).toBe(true);
    expect(pathsAllow(["**"], undefined, [])).toBe(false);
    expect(pathsAllow(undefined, ["**"], [])).toBe(true);
  });
});
