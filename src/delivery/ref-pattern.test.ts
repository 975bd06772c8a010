import { describe, expect, it } from "vitest";
import { refPatternMatches } from "./ref-pattern.js";

// Ruby's File.fnmatch(pattern, name, File::FNM_PATHNAME), the syntax GitHub's deployment branch
// and tag patterns follow.
describe("refPatternMatches", () => {
  const cases: Array<[string, string, boolean]> = [
    ["main", "main", true],
    ["main", "main2", false],
    ["main", "Main", false],
    ["release/*", "release/1.0", true],
    ["release/*", "release/1.0/hotfix", false],
    ["release/*", "release/", true],
    ["release/*/*", "release/1.0/hotfix", true],
    ["release/*/*", "release/1.0", false],
    ["release/**/*", "release/a", true],
    ["release/**/*", "release/a/b/c", true],
    ["release/**/*", "releases/a", false],
    ["**/prod", "prod", true],
    ["**/prod", "team/x/prod", true],
    ["release/**", "release/a", true],
    ["release/**", "release/a/b", false],
    ["*", "feature", true],
    ["*", "feature/x", false],
    ["v?.?", "v1.2", true],
    ["v?.?", "v1.22", false],
    ["v?", "v/", false],
    ["v[0-9]*", "v2.1.0", true],
    ["v[0-9]*", "vx", false],
    ["v[!0-9]*", "vx", true],
    ["v[^0-9]*", "v1", false],
    ["a[/]b", "a/b", false],
    ["v1.0", "v1x0", false],
    ["hot\\*fix", "hot*fix", true],
    ["hot\\*fix", "hotxfix", false],
    ["[abc", "[abc", true],
    ["{a,b}", "a", false],
    ["{a,b}", "{a,b}", true],
    ["feat-(x)+", "feat-(x)+", true],
  ];
  it.each(cases)("%s against %s: %s", (pattern, name, expected) => {
    expect(refPatternMatches(pattern, name)).toBe(expected);
  });
});
