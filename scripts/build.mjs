// Bundles the CLI into dist/gantry.js, and beside it the worker in which the server parses pushed
// workflows. The GitHub parser imports JSON without import attributes, so it has to go through a
// bundler rather than plain Node ESM. Then builds the web UI (web/) into dist/web with Vite, which
// `gantry serve` serves at /; the CLI bundle never imports it.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";

// The parser's schemas, built once here and baked into the bundle (src/workflow/schema-cache.ts):
// bundle schema-cache.ts alone, run its serializedSchemas(), and define GANTRY_WORKFLOW_SCHEMA and
// GANTRY_ACTION_SCHEMA as its texts.
const schemaTool = join(mkdtempSync(join(tmpdir(), "gantry-build-")), "schemas.mjs");
await build({
  bundle: true,
  platform: "node",
  format: "esm",
  logLevel: "warning",
  entryPoints: ["src/workflow/schema-cache.ts"],
  outfile: schemaTool,
});
const schemas = (await import(pathToFileURL(schemaTool).href)).serializedSchemas();
rmSync(dirname(schemaTool), { recursive: true, force: true });

/**
 * The bundle's text in ASCII. esbuild writes code in ASCII (its `charset` default) but keeps some
 * comments as written, and one character past ASCII makes the whole file a UTF-8 decode into a
 * two-byte string at each start (code-cache.ts reads ASCII as Latin-1, and V8 scans one-byte text
 * faster). Each UTF-16 unit past ASCII becomes a \uXXXX escape, which means the same character in a
 * string, template or regular expression, and nothing in a comment.
 */
function asciiOnly(text) {
  return text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

// The parser's raw JSON schemas, which only its getWorkflowSchema()/getActionSchema() read, are
// left out of the bundles: those are baked (above), so the 100 KB of object literals would be
// compiled, cached and built at each start for nothing. What the parser imports in their place
// throws, with the reason, if anything ever asks it for its schema.
const rawSchemasLeftOut = {
  name: "raw-schemas-left-out",
  setup(build) {
    build.onLoad(
      { filter: /[\\/]@actions[\\/]workflow-parser[\\/]dist[\\/](workflow|action)-v1\.0\.min\.json$/ },
      () => ({
        loader: "js",
        contents:
          'export default { toJSON() { throw new Error("the parser\'s raw schema is not bundled: src/workflow/schema-cache.ts has it baked"); } };',
      }),
    );
  },
};

const common = {
  plugins: [rawSchemasLeftOut],
  define: {
    GANTRY_WORKFLOW_SCHEMA: JSON.stringify(schemas.workflow),
    GANTRY_ACTION_SCHEMA: JSON.stringify(schemas.action),
  },
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
// Split: the modules main.ts imports on use (the server's Hono, Kysely and SQLite code, the
// client's commands) go into chunks of their own beside dist/gantry.js, so `gantry run` and
// `gantry validate` do not read and compile them at each start. Old chunks go first.
for (const file of existsSync("dist") ? readdirSync("dist") : []) {
  if (/^chunk-[\w-]+\.js(?:\.map)?$/.test(file)) rmSync(join("dist", file));
}
await build({
  ...common,
  entryPoints: { gantry: "src/cli/main.ts" },
  outdir: "dist",
  splitting: true,
  chunkNames: "chunk-[hash]",
});
// `gantry run` alone as one CommonJS file, which bin/gantry.js compiles with V8's code cache
// (src/cli/code-cache.ts; ESM cannot take cached data): its parse and the compilation of what a
// start runs are read from the cache instead. The loader is a small CommonJS file of its own, and
// the bundle ends with the key its cache is filed under (a hash of its text).
await build({
  ...common,
  format: "cjs",
  entryPoints: ["src/cli/code-cache.ts"],
  outfile: "dist/code-cache.cjs",
  banner: {},
});
// read-checkout.ts alone, which bin/gantry.js starts before it reads the run's bundle (run-main.ts).
await build({
  ...common,
  format: "cjs",
  entryPoints: ["src/cli/read-checkout.ts"],
  outfile: "dist/read-checkout.cjs",
  banner: {},
});
const { withKeyLine } = createRequire(import.meta.url)("../dist/code-cache.cjs");
await build({
  ...common,
  format: "cjs",
  entryPoints: ["src/cli/run-main.ts"],
  outfile: "dist/gantry-run.cjs",
  // The bundle's own location stands for import.meta (the parse worker and spawn helper beside it).
  define: { ...common.define, "import.meta.url": "__gantryModuleUrl" },
  banner: { js: 'const __gantryModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
  // Without its whitespace and comments, and in shorter syntax (names kept, so stack traces name
  // the functions; the source map beside it gives the lines): each start reads, checks and copies
  // the whole text into V8's heap before the cached code is taken, page by page on this VM.
  minifyWhitespace: true,
  minifySyntax: true,
});
const runBundle = asciiOnly(readFileSync("dist/gantry-run.cjs", "utf8"));
// A script compiled by vm.Script has no module loader for import(): esbuild turns every import()
// it can resolve into a require; one it cannot (a computed specifier) would fail only at run time.
if (/[^\w$.]import\(/.test(runBundle)) throw new Error("dist/gantry-run.cjs keeps an import(): bundle it");
writeFileSync("dist/gantry-run.cjs", withKeyLine(runBundle));

// The worker thread in which `gantry serve` parses pushed workflows (src/workflow/parse-pool.ts
// looks for it beside dist/gantry.js).
await build({
  ...common,
  entryPoints: ["src/workflow/parse-worker.ts"],
  outfile: "dist/workflow-parse-worker.js",
});

// The helper process from which `gantry serve` starts its child processes (src/spawner looks for
// it beside dist/gantry.js).
await build({
  ...common,
  entryPoints: ["src/spawner/helper.ts"],
  outfile: "dist/spawn-helper.js",
});
// The compiled programs, libc only, each preferred to what serves without it when it is there: the
// spawn helper (src/spawner/spawn-helper.c; else the Node.js one above) and the post-receive hook
// `gantry hook install` copies for a server on this host (src/triggers/post-receive-hook.c; else the
// bash or sh hook). Built when a C compiler is found (`$CC`, else `cc`), nothing said when none is.
// One that does not compile is reported and left out (what serves without it serves); the tests
// compile each with the same flags and fail on it.
const programs = [
  {
    source: "src/spawner/spawn-helper.c",
    out: "dist/spawn-helper",
    without: "the Node.js one serves",
    // Each job's launcher is an exec of it: static, it maps no loader or shared library each time.
    static: true,
  },
  {
    source: "src/triggers/post-receive-hook.c",
    out: "dist/post-receive-hook",
    without: "gantry hook install writes the bash or sh hook",
    // Linked statically where the C library allows it (no dynamic loader or shared library mapped
    // at each push; neither uses libc's name services), else dynamically.
    static: true,
  },
];
for (const { out } of programs) rmSync(out, { force: true });
const cc = process.env.CC || "cc";
if (spawnSync(cc, ["--version"], { stdio: "ignore" }).status === 0) {
  for (const { source, out, without, static: linkStatic } of programs) {
    const flags = ["-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", "-o", out, source];
    const staticBuild = linkStatic && spawnSync(cc, ["-static", ...flags], { stdio: "ignore" }).status === 0;
    const compiled = staticBuild ? { status: 0 } : spawnSync(cc, flags, { encoding: "utf8" });
    if (compiled.status !== 0) {
      rmSync(out, { force: true });
      console.warn(`${out} was not built (${without}):\n${compiled.stderr}`);
    }
  }
}

// The ESM bundles in ASCII too (as gantry-run.cjs above): V8 keeps and scans their text one byte a
// character.
for (const file of readdirSync("dist").filter((name) => name.endsWith(".js"))) {
  const text = readFileSync(join("dist", file), "utf8");
  const ascii = asciiOnly(text);
  if (ascii !== text) writeFileSync(join("dist", file), ascii);
}

// The web UI: React with Vite's built-in esbuild JSX (web/tsconfig.json: "jsx": "react-jsx").
const { build: viteBuild } = await import("vite");
await viteBuild({
  root: "web",
  base: "/",
  logLevel: "warn",
  configFile: false,
  build: { outDir: "../dist/web", emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1024 },
});
