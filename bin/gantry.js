#!/usr/bin/env node
// CommonJS (bin/package.json): an ES module as the entry would load Node.js's ESM loader (nine more
// of its own modules, ≈ 8 ms of CPU on this VM) before `gantry run`, which never uses it.
// `gantry run` starts from dist/gantry-run.cjs, compiled with V8's code cache kept under gantry's
// cache folder (src/cli/code-cache.ts), on every Node.js version; git reads the checkout meanwhile
// (src/cli/read-checkout.ts, started first: its `sh` is forked while this process is small).
// GANTRY_DISABLE_CODE_CACHE=1 runs it from the ESM bundle as the other commands.
// The other commands: Node.js 22.1+ keeps V8's compiled code of the bundle on disk between starts
// (module.enableCompileCache, in the OS temp folder unless NODE_COMPILE_CACHE names one;
// NODE_DISABLE_COMPILE_CACHE=1 turns it off). Feature-detected: Node.js 20 has no such function.
"use strict";
const module_ = require("node:module");

if (process.argv[2] === "run" && !process.env.GANTRY_DISABLE_CODE_CACHE) {
  const reading = require("../dist/read-checkout.cjs").readLocalRepoAsync(process.cwd());
  reading.catch(() => undefined); // handled by runMain, once the bundle is loaded
  require("../dist/code-cache.cjs")
    .runWithCodeCache(require.resolve("../dist/gantry-run.cjs"))
    .runMain(reading);
} else {
  module_.enableCompileCache?.();
  import("../dist/gantry.js");
}
