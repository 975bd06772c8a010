// Tests' own build of the compiled spawn helper (as scripts/build.mjs makes it), where a C compiler
// is: the tests of the sandbox's launcher path run from the sources, which have none built.
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/** The helper compiled into a temp folder; undefined without a C compiler. */
export function compileSpawnHelper(): string | undefined {
  const cc = ["cc", "gcc", "clang"].find((name) => {
    try {
      execFileSync(name, ["--version"], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  });
  if (!cc) return undefined;
  const file = join(mkdtempSync(join(tmpdir(), "gantry-helper-")), "spawn-helper");
  const source = resolve(import.meta.dirname, "spawn-helper.c");
  execFileSync(cc, ["-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", "-o", file, source]);
  return file;
}
