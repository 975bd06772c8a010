import { chmodSync, mkdirSync, mkdtempSync, realpathSync, writeFileSync } from "node:fs";
import { arch, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { JobReport } from "../src/engine/index.js";
import { gantry, job, makeRepo } from "./harness.js";

const ARCH = arch() === "arm64" ? "arm64" : arch() === "x64" ? "x64" : arch();
const NODE = process.version.slice(1);

/** A tool cache holding the host's node, behind a wrapper that marks the processes it starts. */
function toolCacheWithNode(): string {
  const tc = mkdtempSync(join(tmpdir(), "gantry-toolcache-"));
  const bin = join(tc, "node", NODE, ARCH, "bin");
  mkdirSync(bin, { recursive: true });
  writeFileSync(
    join(bin, "node"),
    `#!/bin/sh\nexport GANTRY_TOOL_NODE="$0"\nexec ${realpathSync(process.execPath)} "$@"\n`,
  );
  chmodSync(join(bin, "node"), 0o755);
  writeFileSync(join(tc, "node", NODE, `${ARCH}.complete`), "");
  return tc;
}

const WORKFLOW = `name: CI
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version-file: .nvmrc
      - id: cache
        uses: actions/cache@v4
        with:
          path: node_modules
          key: modules-\${{ runner.os }}-\${{ hashFiles('package-lock.json') }}
      - if: steps.cache.outputs.cache-hit != 'true'
        run: npm ci --offline --no-audit --no-fund
      - run: npm test
      - uses: actions/upload-artifact@v4
        with:
          name: test-report
          path: report/
  report:
    needs: test
    runs-on: ubuntu-latest
    steps:
      - uses: actions/download-artifact@v4
        with:
          name: test-report
      - run: cat results.txt
`;

const LOCK = {
  name: "app",
  version: "1.0.0",
  lockfileVersion: 3,
  requires: true,
  packages: {
    "": { name: "app", version: "1.0.0", dependencies: { greet: "file:packages/greet" } },
    "node_modules/greet": { resolved: "packages/greet", link: true },
    "packages/greet": { version: "1.0.0" },
  },
};

function outputsOf(j: JobReport, id: string): Record<string, string> {
  const step = j.steps.find((s) => s.id === id);
  if (!step) throw new Error(`no step '${id}' in ${j.name}`);
  return step.outputs;
}

describe("a small real-world workflow, offline", () => {
  it("runs checkout → setup-node → cache → npm ci/test → upload-artifact → download in the next job", async () => {
    const repo = makeRepo({
      files: {
        ".github/workflows/ci.yml": WORKFLOW,
        ".nvmrc": `${NODE.split(".")[0]}\n`,
        "package.json": JSON.stringify({
          name: "app",
          version: "1.0.0",
          private: true,
          dependencies: { greet: "file:packages/greet" },
          scripts: { test: "node test.js" },
        }),
        "package-lock.json": JSON.stringify(LOCK, null, 2),
        "packages/greet/package.json": JSON.stringify({ name: "greet", version: "1.0.0", main: "index.js" }),
        "packages/greet/index.js": "module.exports = (n) => `hello ${n}`;\n",
        "test.js": [
          'const assert = require("node:assert");',
          'const fs = require("node:fs");',
          'assert.strictEqual(require("greet")("world"), "hello world");',
          'fs.mkdirSync("report", { recursive: true });',
          'fs.writeFileSync("report/results.txt", `1 passed on ${process.version} via ${process.env.GANTRY_TOOL_NODE}\\n`);',
          'console.log("tests passed");',
        ].join("\n"),
      },
    });
    const tc = toolCacheWithNode();
    const env = {
      RUNNER_TOOL_CACHE: tc,
      GANTRY_HOME: mkdtempSync(join(tmpdir(), "gantry-home-")),
      HOME: mkdtempSync(join(tmpdir(), "gantry-user-")),
    };
    const nodeBin = join(tc, "node", NODE, ARCH, "bin", "node");

    const first = await gantry(repo, ["run"], { env });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`Found Node.js ${NODE} in the tool cache`);
    expect(first.stdout).toContain("[CI/test] | tests passed");
    expect(first.stdout).toMatch(/Cache saved with key: modules-Linux-[0-9a-f]{64}/);
    expect(first.stdout).toContain(`[CI/report] | 1 passed on v${NODE} via ${nodeBin}`);
    expect(job(first.report, "report").result).toBe("success");

    // The next run on the same machine restores node_modules instead of installing again.
    const second = await gantry(repo, ["run"], { env });
    expect(second.code).toBe(0);
    expect(outputsOf(job(second.report, "test"), "cache")).toEqual({ "cache-hit": "true" });
    expect(second.stdout).not.toContain("Cache saved with key");
    expect(second.stdout).not.toContain("Run npm ci");
    expect(second.stdout).toContain("[CI/test] | tests passed");
    expect(second.stdout).toContain(`[CI/report] | 1 passed on v${NODE} via ${nodeBin}`);
  });
});
