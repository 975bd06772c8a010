// The tests' own builds of gantry's C programs (the spawn helper, the post-receive hook), compiled as
// scripts/build.mjs compiles them, where a C compiler is: tests run from the sources, which have
// none built.
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";

/** A C compiler, looked for as the build does (`$CC`, then cc, gcc, clang); undefined when none runs. */
export const cc = [process.env.CC, "cc", "gcc", "clang"].find((name) => {
  if (!name) return false;
  try {
    execFileSync(name, ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
});

/**
 * `source` (a .c file) compiled with the build's flags into a temp folder, named as the build names
 * it (the file's name without .c); statically linked when `linkStatic` and the C library allows it.
 * Undefined without a C compiler.
 */
export function compileC(source: string, opts: { linkStatic?: boolean } = {}): string | undefined {
  if (!cc) return undefined;
  const file = join(mkdtempSync(join(tmpdir(), "gantry-cc-")), basename(source, ".c"));
  const flags = ["-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", "-o", file, source];
  if (opts.linkStatic) {
    try {
      execFileSync(cc, ["-static", ...flags], { stdio: "ignore" });
      return file;
    } catch {
      // no static C library here: linked as the build then links it
    }
  }
  execFileSync(cc, flags);
  return file;
}
