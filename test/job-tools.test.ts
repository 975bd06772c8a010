// What a job installs with `npm i -g` or `corepack enable` stays in that job: the next job (and the
// next run) starts from the same tools, and neither the tool cache nor the host's PATH changes.
import {
  chmodSync,
  copyFileSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { arch, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { gantry, makeRepo, pathWith } from "./harness.js";

const ARCH = arch() === "arm64" ? "arm64" : arch() === "x64" ? "x64" : arch();
const VERSION = process.version.slice(1);

/** This host's Node.js in a tool cache, laid out as actions/setup-node leaves it (node, npm, corepack). */
function toolCacheWithNode(): { root: string; dir: string } {
  const root = mkdtempSync(join(tmpdir(), "gantry-toolcache-"));
  const dir = join(root, "node", VERSION, ARCH);
  const hostModules = realpathSync(
    join(dirname(realpathSync(process.execPath)), "..", "lib", "node_modules"),
  );
  mkdirSync(join(dir, "bin"), { recursive: true });
  mkdirSync(join(dir, "lib", "node_modules"), { recursive: true });
  // A node of the tool cache's own (npm's global prefix is where node is): a hard link, else a copy.
  const node = join(dir, "bin", "node");
  try {
    linkSync(realpathSync(process.execPath), node);
  } catch {
    copyFileSync(realpathSync(process.execPath), node);
    chmodSync(node, 0o755);
  }
  for (const m of ["npm", "corepack"]) symlinkSync(join(hostModules, m), join(dir, "lib", "node_modules", m));
  symlinkSync("../lib/node_modules/npm/bin/npm-cli.js", join(dir, "bin", "npm"));
  symlinkSync("../lib/node_modules/corepack/dist/corepack.js", join(dir, "bin", "corepack"));
  writeFileSync(`${dir}.complete`, "");
  return { root, dir };
}

const INSTALL = `      - run: |
          npm install --global --offline --no-audit --no-fund ./tool
          hello-tool
          corepack enable
          echo "pnpm at $(command -v pnpm)"
`;

const LOOK = `      - run: |
          command -v hello-tool || echo "no hello-tool"
          command -v pnpm || echo "no pnpm"
`;

const SETUP = `      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: ${VERSION}
`;

/** A repository with a package to install globally; `tail` adds jobs after `install` and `later`. */
function repoWithTool(tail = ""): string {
  return makeRepo({
    files: {
      "tool/package.json": JSON.stringify({
        name: "hello-tool",
        version: "1.0.0",
        bin: { "hello-tool": "cli.js" },
      }),
      "tool/cli.js": '#!/usr/bin/env node\nconsole.log("hello from the tool");\n',
      ".github/workflows/ci.yml": `name: CI
on: push
jobs:
  install:
    runs-on: ubuntu-latest
    steps:
${SETUP}${INSTALL}  later:
    needs: install
    runs-on: ubuntu-latest
    steps:
${SETUP}${LOOK}${tail}`,
    },
  });
}

describe("tools a job installs", () => {
  it("npm i -g and corepack enable stay in the job: the next job, the tool cache and PATH are as before", async () => {
    const tc = toolCacheWithNode();
    const before = readdirSync(join(tc.dir, "bin")).sort();
    const repo = repoWithTool(`  host:
    needs: later
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
${INSTALL}`);
    // The host's corepack is on PATH too: without setup-node, corepack enable writes beside it.
    const path = pathWith(["git", "sh", "bash", "ln", "corepack", "npm"]);
    const r = await gantry(repo, ["run", "--max-jobs", "1"], {
      env: { RUNNER_TOOL_CACHE: tc.root, PATH: path },
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("[CI/install] | hello from the tool");
    expect(r.stdout).toMatch(/\[CI\/install\] \| pnpm at \/\S+\/runs\/\d+\/\d+\/tools\/bin\/pnpm\n/);
    expect(r.stdout).toContain("[CI/later] | no hello-tool");
    expect(r.stdout).toContain("[CI/later] | no pnpm");
    expect(r.stdout).toContain("[CI/host] | hello from the tool");
    expect(r.stdout).toMatch(/\[CI\/host\] \| pnpm at \/\S+\/runs\/\d+\/\d+\/tools\/bin\/pnpm\n/);
    // The tool cache and the host's PATH hold what they held.
    expect(readdirSync(join(tc.dir, "bin")).sort()).toEqual(before);
    expect(readdirSync(join(tc.dir, "lib", "node_modules")).sort()).toEqual(["corepack", "npm"]);
    expect(readdirSync(path).sort()).toEqual(["bash", "corepack", "git", "ln", "node", "npm", "sh"]);
  });

  it("in the sandbox, where the tool cache is read-only, they install into the job's own folder alike", async () => {
    const tc = toolCacheWithNode();
    const r = await gantry(repoWithTool(), ["run", "--max-jobs", "1", "--isolation", "sandbox"], {
      env: { RUNNER_TOOL_CACHE: tc.root },
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("[CI/install] | hello from the tool");
    expect(r.stdout).toMatch(/\[CI\/install\] \| pnpm at \/\S+\/runs\/\d+\/\d+\/tools\/bin\/pnpm\n/);
    expect(r.stdout).toContain("[CI/later] | no hello-tool");
    expect(r.stdout).toContain("[CI/later] | no pnpm");
  });
});
