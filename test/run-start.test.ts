// What `gantry run` loads before its first step: the built-in actions' code (checkout, cache,
// artifacts, setup-* with semver) only when a step uses one of them. A run of `run:` steps does not
// read or compile it; a run that uses actions/checkout loads it and runs it as before. Nor does it
// load node:http (the Actions services' loopback port makes its HTTP server at the first
// connection), node:worker_threads (only the server's parse pool starts a worker) or node:zlib
// (the artifact store's zip and CRC code calls it when an artifact is written or read).
// `gantry run` starts from dist/gantry-run.cjs with V8's code cache (src/cli/code-cache.ts): one file,
// whose lazy parts mirror the ESM bundle's split, so what files are read is asked of the ESM bundle
// (GANTRY_DISABLE_CODE_CACHE=1); the built-in modules and the cache itself are asked of the default.
import { isAscii } from "node:buffer";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { gantry, repoWith } from "./harness.js";

const DIST = fileURLToPath(new URL("../dist/", import.meta.url));

/** A preload that writes the URL of every module Node.js loads to $GANTRY_TEST_LOADED. */
function loadRecorder(): string {
  const dir = mkdtempSync(join(tmpdir(), "gantry-loads-"));
  writeFileSync(
    join(dir, "hooks.mjs"),
    `import { appendFileSync } from "node:fs";
export async function load(url, context, next) {
  appendFileSync(process.env.GANTRY_TEST_LOADED, url + "\\n");
  return next(url, context);
}
`,
  );
  writeFileSync(
    join(dir, "preload.mjs"),
    `import { register } from "node:module";\nregister("./hooks.mjs", import.meta.url);\n`,
  );
  return join(dir, "preload.mjs");
}

/** The text of the bundle's files a `gantry run` in `repo` loaded (the run's own report says how it went). */
async function runRecordingLoads(repo: string) {
  const loaded = join(mkdtempSync(join(tmpdir(), "gantry-loaded-")), "loaded.txt");
  writeFileSync(loaded, "");
  const result = await gantry(repo, ["run"], {
    env: {
      NODE_OPTIONS: `--import ${loadRecorder()}`,
      GANTRY_TEST_LOADED: loaded,
      GANTRY_DISABLE_CODE_CACHE: "1",
    },
  });
  const files = [...new Set(readFileSync(loaded, "utf8").split("\n"))]
    .filter((url) => url.startsWith("file://"))
    .map((url) => fileURLToPath(url))
    .filter((path) => path.startsWith(DIST));
  return { result, files, text: files.map((f) => readFileSync(f, "utf8")).join("\n") };
}

/**
 * The Node.js built-in modules a `gantry run` in `repo` loaded, written by a preload at its exit
 * (a preload of its own: module.register's hooks run in a worker thread, so load worker_threads).
 */
async function runRecordingBuiltins(repo: string) {
  const dir = mkdtempSync(join(tmpdir(), "gantry-builtins-"));
  const preload = join(dir, "preload.mjs");
  writeFileSync(
    preload,
    `import { writeFileSync } from "node:fs";
process.on("exit", () => {
  const builtins = process.moduleLoadList.filter((m) => m.startsWith("NativeModule ")).map((m) => m.slice(13));
  writeFileSync(process.env.GANTRY_TEST_BUILTINS, builtins.join("\\n"));
});
`,
  );
  const file = join(dir, "builtins.txt");
  const result = await gantry(repo, ["run"], {
    env: { NODE_OPTIONS: `--import ${preload}`, GANTRY_TEST_BUILTINS: file },
  });
  return { result, builtins: readFileSync(file, "utf8").split("\n") };
}

/**
 * The Node.js built-in modules a `gantry run` in `repo` loaded, recorded by a CommonJS preload
 * (`--require`: an `--import` would load the ESM loader itself).
 */
async function runRecordingBuiltinsCjs(repo: string) {
  const dir = mkdtempSync(join(tmpdir(), "gantry-builtins-"));
  const preload = join(dir, "preload.cjs");
  writeFileSync(
    preload,
    `process.on("exit", () => {
  const builtins = process.moduleLoadList.filter((m) => m.startsWith("NativeModule ")).map((m) => m.slice(13));
  require("node:fs").writeFileSync(process.env.GANTRY_TEST_BUILTINS, builtins.join("\\n"));
});
`,
  );
  const file = join(dir, "builtins.txt");
  const result = await gantry(repo, ["run"], {
    env: { NODE_OPTIONS: `--require ${preload}`, GANTRY_TEST_BUILTINS: file },
  });
  return { result, builtins: readFileSync(file, "utf8").split("\n") };
}

// semver's own constant, and the built-in actions' message for a missing store (built-ins.ts).
const SEMVER = "SEMVER_SPEC_VERSION";
const BUILT_INS = "cannot reach ";

describe("gantry run's start", () => {
  let plain: Awaited<ReturnType<typeof runRecordingLoads>>;
  beforeAll(async () => {
    plain = await runRecordingLoads(
      repoWith("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n"),
    );
  });

  it("runs `run:` steps without loading the built-in actions or semver", () => {
    expect(plain.result.code).toBe(0);
    expect(plain.result.report?.runs[0].jobs[0].result).toBe("success");
    expect(plain.files.length).toBeGreaterThan(1);
    expect(plain.text).not.toContain(SEMVER);
    expect(plain.text).not.toContain(BUILT_INS);
  });

  it("runs `run:` steps without loading node:http, node:worker_threads or node:zlib", async () => {
    const { result, builtins } = await runRecordingBuiltins(
      repoWith("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n"),
    );
    expect(result.code).toBe(0);
    expect(result.report?.runs[0].jobs[0].result).toBe("success");
    expect(builtins).toContain("child_process"); // the record works
    expect(builtins).not.toContain("http");
    expect(builtins).not.toContain("worker_threads");
    expect(builtins).not.toContain("zlib");
  });

  it("starts without Node.js's ESM loader, from bundles in ASCII", async () => {
    const { result, builtins } = await runRecordingBuiltinsCjs(
      repoWith("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n"),
    );
    expect(result.code).toBe(0);
    expect(result.report?.runs[0].jobs[0].result).toBe("success");
    expect(builtins).toContain("child_process"); // the record works
    // bin/gantry.js is CommonJS: an ES module as the entry loads the ESM loader's own modules.
    expect(builtins).not.toContain("internal/modules/esm/translators");
    expect(builtins).not.toContain("internal/modules/esm/module_job");
    // code-cache.ts reads an ASCII bundle as Latin-1 (one byte a character, no UTF-8 decoding).
    for (const name of readdirSync(DIST).filter((f) => /\.c?js$/.test(f))) {
      expect({ name, ascii: isAscii(readFileSync(join(DIST, name))) }).toEqual({ name, ascii: true });
    }
  });

  it("has git reading the checkout before it reads the run's bundle", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gantry-order-"));
    const preload = join(dir, "preload.cjs");
    const record = join(dir, "order.txt");
    // Records, in order, the processes started and the bundle's read (code-cache.ts reads it whole).
    writeFileSync(
      preload,
      `const fs = require("node:fs");
const { ChildProcess } = require("node:child_process");
const note = (what) => fs.appendFileSync(process.env.GANTRY_TEST_ORDER, what + "\\n");
const read = fs.readFileSync;
fs.readFileSync = function (file, ...rest) {
  if (String(file).endsWith("gantry-run.cjs")) note("read gantry-run.cjs");
  return read.call(this, file, ...rest);
};
const spawn = ChildProcess.prototype.spawn;
ChildProcess.prototype.spawn = function (options) {
  note("spawn " + options.file);
  return spawn.call(this, options);
};
`,
    );
    writeFileSync(record, "");
    const result = await gantry(
      repoWith("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n"),
      ["run"],
      { env: { NODE_OPTIONS: `--require ${preload}`, GANTRY_TEST_ORDER: record } },
    );
    expect(result.report?.runs[0].jobs[0].result).toBe("success");
    const order = readFileSync(record, "utf8").split("\n");
    expect(order.slice(0, 2)).toEqual(["spawn sh", "read gantry-run.cjs"]); // git's batch is one sh
  });

  it("leaves the parser's raw JSON schemas out of the bundles (src/workflow/schema-cache.ts bakes them)", () => {
    const bundles = readdirSync(DIST).filter((f) => /\.c?js$/.test(f));
    expect(bundles).toContain("gantry-run.cjs");
    for (const name of bundles) {
      const text = readFileSync(join(DIST, name), "utf8");
      expect({ name, raw: /version: "(workflow|action)-v1\.0"/.test(text) }).toEqual({ name, raw: false });
    }
    expect(plain.result.report?.runs[0].jobs[0].result).toBe("success"); // parsed with the baked ones
  });

  it("loads a built-in action when a step uses it, and runs it", async () => {
    const repo = repoWith(
      "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: test -f hello.txt\n",
      { "hello.txt": "hi\n" },
    );
    const { result, text } = await runRecordingLoads(repo);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.report?.runs[0].jobs[0].steps.map((s) => s.conclusion)).toEqual(["success", "success"]);
    expect(text).toContain(BUILT_INS);
  });

  it("starts from the code cache a run wrote, and writes it again when it is damaged", async () => {
    const repo = repoWith(
      "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n",
    );
    const home = mkdtempSync(join(tmpdir(), "gantry-home-"));
    const codeDir = join(home, "cache", "code");
    const run = async () => {
      const result = await gantry(repo, ["run"], { env: { GANTRY_HOME: home } });
      expect(result.stderr).toBe("");
      expect(result.report?.runs[0].jobs[0].result).toBe("success");
      const names = readdirSync(codeDir);
      expect(names).toHaveLength(1);
      expect(names[0]).toMatch(/^gantry-run-[0-9a-f]{32}-.*\.bin$/);
      return { path: join(codeDir, names[0]), ino: statSync(join(codeDir, names[0])).ino };
    };
    await gantry(repo, ["run", "--help"], { env: { GANTRY_HOME: home } });
    expect(existsSync(codeDir)).toBe(false); // a start that ran nothing leaves no cache
    const first = await run();
    expect(await run()).toEqual(first); // taken, not written again
    const damaged = readFileSync(first.path);
    damaged[damaged.length - 100] ^= 0xff;
    writeFileSync(first.path, damaged);
    const third = await run(); // ran, and wrote a whole cache in its place
    expect(third.ino).not.toBe(first.ino);
    expect(readFileSync(third.path).equals(damaged)).toBe(false);
  });
});
