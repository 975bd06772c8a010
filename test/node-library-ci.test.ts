import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { arch, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { gantry, job, pathWith, repoWith } from "./harness.js";
import { hostPackage, nodePackageDir, startRegistry } from "./npm-registry.js";

const ARCH = arch() === "arm64" ? "arm64" : arch() === "x64" ? "x64" : arch();
const NODE = process.version.slice(1);
const MAJOR = Number(NODE.split(".")[0]);
/** Three Node.js majors, this machine's among them (the other two are this binary filed under another version). */
const MAJORS = [MAJOR, ...[18, 20, 22, 24].filter((m) => m !== MAJOR).slice(0, 2)].sort((a, b) => a - b);

/** A typical Node.js library's CI, as GitHub's starter workflow and most libraries have it. */
const WORKFLOW = `name: Node.js CI
on:
  push:
    branches: [main]
  pull_request:
jobs:
  test:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        node-version: [${MAJORS.map((m) => `${m}.x`).join(", ")}]
    steps:
      - uses: actions/checkout@v4
      - name: Use Node.js \${{ matrix.node-version }}
        uses: actions/setup-node@v4
        with:
          node-version: \${{ matrix.node-version }}
          cache: npm
      - run: npm ci
      - run: npm test
      - uses: acme/report-coverage@v1
`;

const LIBRARY = {
  "package.json": `${JSON.stringify({ name: "tiny-lib", version: "1.0.0", scripts: { test: "node test.js" }, dependencies: { "tiny-pad": "1.0.0" } }, null, 2)}\n`,
  "test.js": `const pad = require("tiny-pad");
if (pad("7", 3) !== "007") throw new Error("pad is broken");
console.log("tests passed on " + process.execPath + " with npm " + process.env.npm_execpath);
`,
};

/** An action like codecov's or a release action's: its token input defaults to github.token. */
const ACTION = {
  "action.yml": `name: Report coverage
inputs:
  token:
    description: A token to report with
    default: \${{ github.token }}
runs:
  using: node20
  main: index.js
`,
  "index.js": `const token = process.env.INPUT_TOKEN || "";
if (!token) {
  console.log("::error::the token input is empty");
  process.exit(1);
}
console.log("reporting with token " + token);
`,
};

function writeDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "gantry-action-"));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

describe("a Node.js library's CI, offline", () => {
  it(`runs checkout, setup-node on ${MAJORS.join("/")} from a tool cache gantry tools filled, cache: npm, npm ci, npm test and a github.token action with no internet`, async () => {
    const pad = mkdtempSync(join(tmpdir(), "gantry-pad-"));
    writeFileSync(
      join(pad, "package.json"),
      JSON.stringify({ name: "tiny-pad", version: "1.0.0", main: "index.js" }),
    );
    writeFileSync(join(pad, "index.js"), 'module.exports = (s, n) => String(s).padStart(n, "0");\n');
    const npm = hostPackage("npm");
    const corepack = hostPackage("corepack");
    // The machine's only package source: a registry on loopback (a company mirror, say).
    const registry = await startRegistry([
      { name: `node-linux-${ARCH}`, version: NODE, dir: nodePackageDir(NODE, ARCH), temporary: true },
      { name: "npm", version: npm.version, engines: npm.engines, dir: npm.dir },
      { name: "corepack", version: corepack.version, engines: corepack.engines, dir: corepack.dir },
      { name: "tiny-pad", version: "1.0.0", dir: pad },
    ]);
    const user = mkdtempSync(join(tmpdir(), "gantry-user-"));
    const toolCache = join(user, "tool-cache");
    const env = {
      GANTRY_HOME: join(user, "gantry"),
      RUNNER_TOOL_CACHE: toolCache,
      HOME: user,
      npm_config_cache: join(user, ".npm"),
      npm_config_registry: registry.url,
      npm_config_update_notifier: "false",
      npm_config_audit: "false",
      npm_config_fund: "false",
      // git, a shell and tar (for the cache); no npm: jobs get theirs from the tool cache
      PATH: pathWith(["git", "sh", "bash", "tar", "gzip"]),
    };
    mkdirSync(env.GANTRY_HOME);
    const dirOf = (m: number) => join(toolCache, "node", m === MAJOR ? NODE : `${m}.99.0`, ARCH);
    try {
      // This machine's Node.js from the registry, with npm and corepack; the other two majors are
      // the same binary filed under a version it does not report, which only
      // --allow-version-mismatch allows. What this test proves: each leg takes its own tool-cache
      // folder and runs the library's tests with that folder's node and npm, offline. It cannot
      // prove three Node.js versions: the machine has one.
      const toolsEnv = { ...env, PATH: pathWith(["npm", "tar", "gzip"]) };
      const added = await gantry(user, ["tools", "add", `node@${MAJOR}`, "--from-npm"], { env: toolsEnv });
      expect(added.code, added.stdout + added.stderr).toBe(0);
      for (const m of MAJORS.filter((x) => x !== MAJOR)) {
        const copy = await gantry(
          user,
          ["tools", "add", `node@${m}.99.0`, "--from", dirOf(MAJOR), "--allow-version-mismatch"],
          { env: toolsEnv },
        );
        expect(copy.code, copy.stdout + copy.stderr).toBe(0);
        expect(copy.stdout).toContain(
          `warning: bin/node reports ${NODE}; filed as ${m}.99.0 because of --allow-version-mismatch`,
        );
      }
      const action = await gantry(
        user,
        ["actions", "add", "acme/report-coverage@v1", "--from", writeDir(ACTION)],
        { env },
      );
      expect(action.code, action.stdout + action.stderr).toBe(0);

      const tarball = registry.dist.get("tiny-pad@1.0.0");
      if (!tarball) throw new Error("tiny-pad was not published");
      const lock = {
        name: "tiny-lib",
        version: "1.0.0",
        lockfileVersion: 3,
        requires: true,
        packages: {
          "": { name: "tiny-lib", version: "1.0.0", dependencies: { "tiny-pad": "1.0.0" } },
          "node_modules/tiny-pad": { version: "1.0.0", ...tarball },
        },
      };
      const repo = repoWith(WORKFLOW, {
        ...LIBRARY,
        "package-lock.json": `${JSON.stringify(lock, null, 2)}\n`,
      });

      const first = await gantry(repo, ["run"], { env });
      expect(first.code, first.stdout + first.stderr).toBe(0);
      for (const m of MAJORS) {
        const name = `test (${m}.x)`;
        const leg = job(first.report, name);
        expect(leg.result, name).toBe("success");
        expect(first.stdout).toContain(
          `Found Node.js ${m === MAJOR ? NODE : `${m}.99.0`} in the tool cache: ${dirOf(m)}`,
        );
        expect(first.stdout).toContain(
          `${name}] | tests passed on ${dirOf(m)}/bin/node with npm ${dirOf(m)}/lib/node_modules/npm/bin/npm-cli.js`,
        );
        expect(first.stdout).toContain(`${name}] | reporting with token ***`);
      }
      expect(registry.requests).toContain("/tiny-pad/-/tiny-pad-1.0.0.tgz");
      expect(first.stdout).toMatch(/Cache saved with the key: node-cache-Linux-\w+-npm-[0-9a-f]{64}/);

      // The registry is gone now: npm ci works only from the npm cache setup-node restores.
      await registry.close();
      const second = await gantry(repo, ["run"], { env });
      expect(second.code, second.stdout + second.stderr).toBe(0);
      for (const m of MAJORS) {
        const setup = job(second.report, `test (${m}.x)`).steps.find((s) => s.name === `Use Node.js ${m}.x`);
        expect(setup?.outputs["cache-hit"], `${m}.x`).toBe("true");
      }
    } finally {
      await registry.close().catch(() => undefined);
      rmSync(user, { recursive: true, force: true });
    }
  }, 900_000);
});
