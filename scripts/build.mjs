// Bundles the CLI into dist/gantry.js, and beside it the worker in which the server parses pushed
// workflows. The GitHub parser imports JSON without import attributes, so it has to go through a
// bundler rather than plain Node ESM. Then builds the web UI (web/) into dist/web with Vite, which
// `gantry serve` serves at /; the CLI bundle never imports it.
import { build } from "esbuild";

const common = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: "linked",
  logLevel: "warning",
  // Loaded from node_modules at run time, not bundled: a native module, and the S3 client (a large
  // tree of modules that only `gantry serve --blobs s3://…` loads).
  external: ["better-sqlite3", "@aws-sdk/client-s3"],
  // Some CommonJS dependencies call require() on Node built-ins.
  banner: {
    js: "import { createRequire as __gantryRequire } from 'node:module'; const require = __gantryRequire(import.meta.url);",
  },
};
await build({ ...common, entryPoints: ["src/cli/main.ts"], outfile: "dist/gantry.js" });
// The worker thread in which `gantry serve` parses pushed workflows (src/workflow/parse-pool.ts
// looks for it beside dist/gantry.js).
await build({
  ...common,
  entryPoints: ["src/workflow/parse-worker.ts"],
  outfile: "dist/workflow-parse-worker.js",
});

// The web UI: React with Vite's built-in esbuild JSX (web/tsconfig.json: "jsx": "react-jsx").
const { build: viteBuild } = await import("vite");
await viteBuild({
  root: "web",
  base: "/",
  logLevel: "warn",
  configFile: false,
  build: { outDir: "../dist/web", emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1024 },
});
