import { mkdirSync, mkdtempSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { commonAncestor, inputLines, type PatternOptions, resolvePaths } from "./path-patterns.js";

function tree(files: string[]): string {
  const root = mkdtempSync(join(tmpdir(), "gantry-glob-"));
  for (const f of files) {
    mkdirSync(dirname(join(root, f)), { recursive: true });
    writeFileSync(join(root, f), f);
  }
  return root;
}

const FILES = [
  "dist/app.js",
  "dist/app.js.map",
  "dist/lib/util.js",
  "dist/.hidden/secret.txt",
  "dist/.env",
  "src/index.ts",
  "home/.npm/_cacache/index",
  "home/.npm/_logs/debug.log",
];

function files(root: string, lines: string, opts: Partial<PatternOptions> = {}): string[] {
  const r = resolvePaths(inputLines(lines), {
    workspace: join(root, "ws"),
    home: join(root, "home"),
    implicitDescendants: true,
    ...opts,
  });
  return r.matches.filter((m) => !statSync(m).isDirectory()).map((m) => relative(root, m));
}

describe("resolvePaths", () => {
  const root = tree(FILES.map((f) => (f.startsWith("home/") ? f : `ws/${f}`)));
  const ws = (names: string[]) => names.map((n) => `ws/${n}`);

  it("matches a folder with everything beneath it, and globs with dot files", () => {
    expect(files(root, "dist")).toEqual(
      ws(["dist/.env", "dist/.hidden/secret.txt", "dist/app.js", "dist/app.js.map", "dist/lib/util.js"]),
    );
    expect(files(root, "dist/*.js")).toEqual(ws(["dist/app.js"]));
    expect(files(root, "**/*.js")).toEqual(ws(["dist/app.js", "dist/lib/util.js"]));
  });

  it("applies ! exclusions in order, a later include winning back", () => {
    expect(files(root, "dist\n!dist/**/*.map\n! dist/.*")).toEqual(
      ws(["dist/.hidden/secret.txt", "dist/app.js", "dist/lib/util.js"]).filter(
        (f) => f !== "ws/dist/.hidden/secret.txt",
      ),
    );
    expect(files(root, "dist/*.js*\n!dist/*.map\ndist/app.js.map")).toEqual(
      ws(["dist/app.js", "dist/app.js.map"]),
    );
  });

  it("expands ~ to the home directory and skips comments", () => {
    expect(files(root, "# npm's cache\n~/.npm\n!~/.npm/_logs")).toEqual(["home/.npm/_cacache/index"]);
  });

  it("skips hidden files and folders, the searched folder included, when asked", () => {
    expect(files(root, "dist", { excludeHidden: true })).toEqual(
      ws(["dist/app.js", "dist/app.js.map", "dist/lib/util.js"]),
    );
    expect(files(root, "dist/.hidden", { excludeHidden: true })).toEqual([]);
  });

  it("follows links to folders when asked, without looping", () => {
    const r = tree(["real/a.txt"]);
    symlinkSync(join(r, "real"), join(r, "real", "loop"));
    symlinkSync(join(r, "real"), join(r, "link"));
    const found = resolvePaths(["link"], {
      workspace: r,
      home: r,
      implicitDescendants: true,
      followSymlinks: true,
    });
    expect(found.matches.map((m) => relative(r, m))).toEqual(["link", "link/a.txt", "link/loop"]);
    const asLinks = resolvePaths(["link"], { workspace: r, home: r, implicitDescendants: true });
    expect(asLinks.matches.map((m) => relative(r, m))).toEqual(["link"]);
  });

  it("reports search paths without those beneath another, for the artifact root", () => {
    const r = resolvePaths(["dist/lib/*.js", "dist/*.js", "src/"], {
      workspace: "/w",
      home: "/h",
      implicitDescendants: true,
    });
    expect(r.searchPaths).toEqual(["/w/dist", "/w/src"]);
    expect(commonAncestor(r.searchPaths)).toBe("/w");
    expect(commonAncestor(["/a/b", "/c"])).toBe("/");
  });
});
