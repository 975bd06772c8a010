// Bundles the CLI into dist/gantry.js. The GitHub parser imports JSON without import
// attributes, so it has to go through a bundler rather than plain Node ESM.
import { build } from "esbuild";

await build({
  entryPoints: ["src/cli/main.ts"],
  outfile: "dist/gantry.js",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: "linked",
  logLevel: "warning",
  // A native module: loaded from node_modules at run time, not bundled.
  external: ["better-sqlite3"],
  // Some CommonJS dependencies call require() on Node built-ins.
  banner: {
    js: "import { createRequire as __gantryRequire } from 'node:module'; const require = __gantryRequire(import.meta.url);",
  },
});
