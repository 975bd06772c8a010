#!/usr/bin/env node
// Node.js 22.1+ keeps V8's compiled code of the bundle on disk between starts (module.enableCompileCache,
// in the OS temp folder unless NODE_COMPILE_CACHE names one; NODE_DISABLE_COMPILE_CACHE=1 turns it off).
// Feature-detected: Node.js 20 has no such function and starts as before.
import module from "node:module";

module.enableCompileCache?.();
await import("../dist/gantry.js");
