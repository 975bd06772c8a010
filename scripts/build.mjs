// Bundles the CLI into dist/gantry.js. The GitHub parser imports JSON without import attributes,
// so it has to go through a bundler rather than plain Node ESM. Then builds the web UI (web/)
// into dist/web with Vite, which `gantry serve` serves at /; the CLI bundle never imports it.
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

// The web UI: React with Vite's built-in esbuild JSX (web/tsconfig.json: "jsx": "react-jsx").
const { build: viteBuild } = await import("vite");
await viteBuild({
  root: "web",
  base: "/",
  logLevel: "warn",
  configFile: false,
  build: { outDir: "../dist/web", emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1024 },
});
