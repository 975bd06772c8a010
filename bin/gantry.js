#!/usr/bin/env node
// `gantry run` starts from dist/gantry-run.cjs, compiled with V8's code cache kept under gantry's
// cache folder (src/cli/code-cache.ts), on every Node.js version. GANTRY_DISABLE_CODE_CACHE=1 runs
// it from the ESM bundle as the other commands.
// The other commands: Node.js 22.1+ keeps V8's compiled code of the bundle on disk between starts
// (module.enableCompileCache, in the OS temp folder unless NODE_COMPILE_CACHE names one;
// NODE_DISABLE_COMPILE_CACHE=1 turns it off). Feature-detected: Node.js 20 has no such function.
import module from "node:module";

if (process.argv[2] === "run" && !process.env.GANTRY_DISABLE_CODE_CACHE) {
  const require = module.createRequire(import.meta.url);
  require("../dist/code-cache.cjs").runWithCodeCache(require.resolve("../dist/gantry-run.cjs"));
} else {
  module.enableCompileCache?.();
  await import("../dist/gantry.js");
}
