import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { hashFiles } from "./hash-files.js";

/**
 * The digest GitHub's hashFiles gives for these files in this order, computed apart from the
 * code under test: `sha256sum` of each file, then `sha256sum` of their binary digests in a row.
 */
function expected(dir: string, files: string[]): string {
  const lines = execFileSync("sha256sum", ["--", ...files], { cwd: dir, encoding: "utf8" });
  const digests = lines
    .trim()
    .split("\n")
    .map((l) => Buffer.from(l.slice(0, 64), "hex"));
  return execFileSync("sha256sum", { input: Buffer.concat(digests), encoding: "utf8" }).slice(0, 64);
}

let ws: string;
let outside: string;
beforeAll(() => {
  const top = mkdtempSync(join(tmpdir(), "hashfiles-"));
  ws = join(top, "ws");
  outside = join(top, "outside");
  const files: Record<string, string> = {
    "a.lock": "a-lock",
    "A.lock": "A-lock",
    "b.lock": "b-lock",
    "a/x.lock": "x",
    "a/b/y.lock": "y",
    "a/b/c/d/deep.lock": "deep",
    "a/notes.txt": "notes",
    ".hidden/z.lock": "z",
    "b/one.txt": "one",
    "b/two.txt": "two",
    "{a,b}.txt": "braces",
    "node_modules/pkg/m.lock": "m",
    "big/1MiB.bin": "\u0001".repeat(1 << 20),
    "big/2.5MB.bin": "x".repeat(2_500_000),
    "big/empty.bin": "",
  };
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(ws, name)), { recursive: true });
    writeFileSync(join(ws, name), content);
  }
  mkdirSync(outside);
  writeFileSync(join(outside, "o.lock"), "outside");
  mkdirSync(join(ws, "links"));
  symlinkSync(join(ws, "b", "one.txt"), join(ws, "links", "to-file.txt"));
  symlinkSync(outside, join(ws, "links", "to-outside"));
  symlinkSync(join(ws, "missing"), join(ws, "links", "broken.txt"));
});

describe("hashFiles (GitHub's algorithm)", () => {
  it("walks depth first, each directory's entries in byte order, hidden files included", () => {
    // `sort` of whole paths would put a.lock before a/…; the glob descends into a/ first.
    const order = [
      ".hidden/z.lock",
      "A.lock",
      "a/b/c/d/deep.lock",
      "a/b/y.lock",
      "a/x.lock",
      "a.lock",
      "b.lock",
      "node_modules/pkg/m.lock",
    ];
    expect(hashFiles(ws, ["**/*.lock"])).toBe(expected(ws, order));
  });

  it("matches a nested ** and a directory pattern (all the files below it)", () => {
    expect(hashFiles(ws, ["a/**/d/*.lock"])).toBe(expected(ws, ["a/b/c/d/deep.lock"]));
    expect(hashFiles(ws, ["a/**/*.lock"])).toBe(
      expected(ws, ["a/b/c/d/deep.lock", "a/b/y.lock", "a/x.lock"]),
    );
    expect(hashFiles(ws, ["b"])).toBe(expected(ws, ["b/one.txt", "b/two.txt"]));
    expect(hashFiles(ws, ["./b/"])).toBe(expected(ws, ["b/one.txt", "b/two.txt"]));
  });

  it("takes several patterns: search paths in pattern order, each file once", () => {
    expect(hashFiles(ws, ["b/*.txt", "a/*.lock"])).toBe(expected(ws, ["b/one.txt", "b/two.txt", "a/x.lock"]));
    expect(hashFiles(ws, ["a/*.lock", "b/*.txt"])).toBe(expected(ws, ["a/x.lock", "b/one.txt", "b/two.txt"]));
    // A search path below another is walked once, in the outer walk's order (b/ before b.lock).
    expect(hashFiles(ws, ["b/*.txt", "*.lock", "b/one.txt"])).toBe(
      expected(ws, ["A.lock", "a.lock", "b/one.txt", "b/two.txt", "b.lock"]),
    );
    // Patterns may also come as lines of one argument; '#' lines are comments.
    expect(hashFiles(ws, ["b/one.txt\n# a comment\n  a/x.lock  "])).toBe(
      expected(ws, ["b/one.txt", "a/x.lock"]),
    );
  });

  it("applies ! exclusions in order: a later pattern can include again", () => {
    expect(hashFiles(ws, ["**/*.lock", "!a/b/**", "!node_modules"])).toBe(
      expected(ws, [".hidden/z.lock", "A.lock", "a/x.lock", "a.lock", "b.lock"]),
    );
    expect(hashFiles(ws, ["**/*.lock", "!**/node_modules/**", "!.*/**", "!a/**"])).toBe(
      expected(ws, ["A.lock", "a.lock", "b.lock"]),
    );
    expect(hashFiles(ws, ["!a/**", "a/b/*.lock"])).toBe(expected(ws, ["a/b/y.lock"]));
    expect(hashFiles(ws, ["a/**", "!a/b/**", "a/b/c/**"])).toBe(
      expected(ws, ["a/b/c/d/deep.lock", "a/notes.txt", "a/x.lock"]),
    );
    expect(hashFiles(ws, ["!!b/one.txt"])).toBe(expected(ws, ["b/one.txt"]));
  });

  it("hashes files larger than its read buffer and empty files", () => {
    expect(hashFiles(ws, ["big/*"])).toBe(expected(ws, ["big/1MiB.bin", "big/2.5MB.bin", "big/empty.bin"]));
  });

  it("treats braces literally, as @actions/glob does", () => {
    expect(hashFiles(ws, ["{a,b}.txt"])).toBe(expected(ws, ["{a,b}.txt"]));
    expect(hashFiles(ws, ["{a,b}.lock"])).toBe("");
  });

  it("ignores files outside the workspace, and links to directories unless told to follow them", () => {
    expect(hashFiles(ws, [join(outside, "*.lock")])).toBe("");
    expect(hashFiles(ws, [`${outside}/**`, "b/one.txt"])).toBe(expected(ws, ["b/one.txt"]));
    // A link to a file hashes its target; a link to a directory is not walked (and is a directory).
    expect(hashFiles(ws, ["links/to-file.txt", "links/to-outside"])).toBe(expected(ws, ["b/one.txt"]));
    expect(hashFiles(ws, ["--follow-symbolic-links", "links/**", "!links/broken.txt"])).toBe(
      expected(ws, ["links/to-file.txt", "links/to-outside/o.lock"]),
    );
    // Following links, a broken one is left out.
    expect(hashFiles(ws, ["--follow-symbolic-links", "links/*.txt"])).toBe(expected(ws, ["b/one.txt"]));
  });

  it("returns '' when nothing matches", () => {
    expect(hashFiles(ws, ["*.none"])).toBe("");
    expect(hashFiles(ws, ["no/such/dir/**"])).toBe("");
    expect(hashFiles(ws, ["a/b/c/d"])).toBe(expected(ws, ["a/b/c/d/deep.lock"]));
    expect(hashFiles(ws, ["a/b/c/d/"])).toBe(expected(ws, ["a/b/c/d/deep.lock"]));
    expect(hashFiles(ws, ["# only a comment"])).toBe("");
  });

  it("refuses '..' and unknown options, and fails on a broken link it must read", () => {
    expect(() => hashFiles(ws, ["../outside/*"])).toThrow(/'\.' and '\.\.' is not allowed/);
    expect(() => hashFiles(ws, ["--follow", "*"])).toThrow(/invalid glob option '--follow'/);
    expect(() => hashFiles(ws, ["links/broken.txt"])).toThrow(/ENOENT/);
  });
});
