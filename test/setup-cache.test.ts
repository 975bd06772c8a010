import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { arch, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import type { JobReport } from "../src/engine/index.js";
import { gantry, job, pathWith, repoWith } from "./harness.js";

function stepOutputs(j: JobReport, id: string): Record<string, string> {
  const step = j.steps.find((s) => s.id === id);
  if (!step) throw new Error(`no step '${id}'`);
  return step.outputs;
}

function stepOutcomes(j: JobReport): Record<string, string> {
  return Object.fromEntries(j.steps.map((s) => [s.name, s.outcome]));
}

/** One GANTRY_HOME and a temp HOME (so ~/.npm and ~/.cache/pip are the test's own), shared by runs. */
function machine(): { env: Record<string, string>; home: string } {
  const home = mkdtempSync(join(tmpdir(), "gantry-user-"));
  return {
    home,
    env: {
      GANTRY_HOME: mkdtempSync(join(tmpdir(), "gantry-home-")),
      HOME: home,
      // npx and npm scripts export npm_config_cache (the real ~/.npm): jobs never see it.
      npm_config_cache: join(home, ".npm"),
      RUNNER_TOOL_CACHE: mkdtempSync(join(tmpdir(), "gantry-toolcache-")),
    },
  };
}

const ARCH = arch() === "arm64" ? "arm64" : arch() === "x64" ? "x64" : arch();
const NODE_MAJOR = process.version.slice(1).split(".")[0];

/** What a job of these tests runs: setup-node finds node, checkout runs git, `run:` steps bash. */
const JOB_TOOLS = ["git", "sh", "bash"];

const NPM_WORKFLOW = `name: CI
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: node
        uses: actions/setup-node@v4
        with:
          node-version: ${NODE_MAJOR}
          cache: npm
      - run: |
          dir="$(npm config get cache)"
          echo "cache-dir=$dir"
          if [ -f "$dir/marker.txt" ]; then echo "restored=$(cat "$dir/marker.txt")"; else echo "restored=none"; fi
          mkdir -p "$dir" && echo from-run-1 > "$dir/marker.txt"
`;

describe.concurrent("setup-* dependency caches", () => {
  it("setup-node cache: npm misses and saves in the post step, then hits and restores the npm cache folder", async () => {
    const repo = repoWith(NPM_WORKFLOW, { "package-lock.json": '{"lockfileVersion":3}\n' });
    const m = machine();
    const npmCache = join(m.home, ".npm");

    const first = await gantry(repo, ["run"], { env: m.env });
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const b1 = job(first.report, "build");
    expect(stepOutputs(b1, "node")["cache-hit"]).toBe("false");
    expect(first.stdout).toContain("npm cache is not found");
    // npm's cache folder is in the job's own HOME, never the user's.
    expect(first.stdout).toMatch(/\[CI\/build\] \| cache-dir=\/\S+\/runs\/\d+\/\d+\/home\/\.npm\n/);
    expect(existsSync(npmCache)).toBe(false);
    expect(first.stdout).toContain("[CI/build] | restored=none");
    const key = new RegExp(`node-cache-Linux-${arch()}-npm-[0-9a-f]{64}`);
    expect(first.stdout).toMatch(new RegExp(`Cache saved with the key: ${key.source}`));
    expect(stepOutcomes(b1)["Post actions/setup-node@v4"]).toBe("success");

    // The next job's HOME is new and empty: only the restore can bring the marker back.
    const second = await gantry(repo, ["run"], { env: m.env });
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(stepOutputs(job(second.report, "build"), "node")["cache-hit"]).toBe("true");
    expect(second.stdout).toMatch(new RegExp(`Cache restored from key: ${key.source}`));
    expect(second.stdout).toContain("[CI/build] | restored=from-run-1");
    expect(second.stdout).toContain("Cache hit occurred on the primary key");
    expect(second.stdout).not.toContain("Cache saved with the key");
  });

  it("setup-node cache: npm fails the step when no lock file is in the workspace", async () => {
    const m = machine();
    const repo = repoWith(NPM_WORKFLOW);
    const r = await gantry(repo, ["run"], { env: m.env });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("Dependencies lock file is not found in ");
    expect(r.stdout).toContain("Supported file patterns: package-lock.json,npm-shrinkwrap.json,yarn.lock");
    expect(r.stdout).toContain("[CI/build] |");
    expect(r.stdout).not.toContain("cache-dir=");
  });

  it("setup-node cache: pnpm fails clearly when pnpm is not installed", async () => {
    const m = machine();
    const repo = repoWith(NPM_WORKFLOW.replace("cache: npm", "cache: pnpm"), {
      "pnpm-lock.yaml": "lockfileVersion: '9.0'\n",
    });
    // Only the tools the job needs: whatever the host has (corepack's pnpm shim beside node …) stays out.
    const r = await gantry(repo, ["run"], { env: { ...m.env, PATH: pathWith(JOB_TOOLS) } });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain("caches with 'pnpm store path --silent', but pnpm was not found on PATH");
    expect(r.stdout).toContain("install pnpm, or drop the cache input");
  });

  it("setup-node cache: pnpm that cannot start fails clearly, naming the command, its exit code and its error", async () => {
    const m = machine();
    const repo = repoWith(NPM_WORKFLOW.replace("cache: npm", "cache: pnpm"), {
      "pnpm-lock.yaml": "lockfileVersion: '9.0'\n",
    });
    // As corepack's pnpm shim fails offline: an error line, a stack, exit code 1.
    const path = pathWith(JOB_TOOLS, {
      pnpm: [
        "#!/bin/sh",
        "echo 'Internal Error: Error when performing the request to https://registry.npmjs.org/pnpm/latest' >&2",
        "echo '    at fetch (node:internal/deps/undici/undici:13502:13)' >&2",
        "exit 1",
        "",
      ].join("\n"),
    });
    const r = await gantry(repo, ["run"], { env: { ...m.env, PATH: path } });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain(
      `caches with 'pnpm store path --silent', but ${join(path, "pnpm")} exited with code 1: ` +
        "Internal Error: Error when performing the request to https://registry.npmjs.org/pnpm/latest",
    );
    expect(r.stdout).not.toContain("at fetch (node:internal");
    expect(r.stdout).not.toContain("cache-dir=");
  });

  it("setup-python cache: pip restores pip's cache folder on the second run", async () => {
    const repo = repoWith(
      `name: CI
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: py
        uses: actions/setup-python@v5
        with:
          python-version: "3.11"
          cache: pip
      - run: |
          dir="$(pip cache dir)"
          echo "pip-dir=$dir"
          if [ -f "$dir/marker.txt" ]; then echo "restored=$(cat "$dir/marker.txt")"; else echo "restored=none"; fi
          mkdir -p "$dir" && echo pip-run-1 > "$dir/marker.txt"
`,
      { "requirements.txt": "requests==2.31.0\n" },
    );
    const m = machine();
    const first = await gantry(repo, ["run"], { env: m.env });
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(stepOutputs(job(first.report, "build"), "py")["cache-hit"]).toBe("false");
    expect(first.stdout).toContain("pip cache is not found");
    expect(first.stdout).toContain("[CI/build] | restored=none");
    expect(first.stdout).toMatch(
      /Cache saved with the key: setup-python-Linux-\S+-python-3\.11\.\d+-pip-[0-9a-f]{64}/,
    );

    rmSync(join(m.home, ".cache", "pip"), { recursive: true, force: true });
    const second = await gantry(repo, ["run"], { env: m.env });
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(stepOutputs(job(second.report, "build"), "py")["cache-hit"]).toBe("true");
    expect(second.stdout).toContain("[CI/build] | restored=pip-run-1");
    expect(second.stdout).not.toContain("Cache saved with the key");
  });

  it("setup-python cache: pip fails clearly when no requirements file matches", async () => {
    const m = machine();
    const repo = repoWith(`name: CI
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
          cache: pip
`);
    const r = await gantry(repo, ["run"], { env: m.env });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /No file in \S+ matched to \[\*\*\/requirements\.txt\], make sure you have checked out/,
    );
  });
});

/** Installs a stand-in tool into the tool cache as @actions/tool-cache does, `.complete` marker included. */
function installTool(root: string, folder: string, version: string, files: Record<string, string>): void {
  const dir = join(root, folder, version, ARCH);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
    chmodSync(join(dir, path), 0o755);
  }
  writeFileSync(`${dir}.complete`, "");
}

describe.concurrent("setup-go and setup-java dependency caches", () => {
  it("setup-go caches GOMODCACHE and GOCACHE by default, keyed by go.sum; no go.sum is only a warning", async () => {
    const m = machine();
    const goHome = join(m.home, "go");
    // A stand-in go that answers `go version` and `go env X` as go does.
    installTool(m.env.RUNNER_TOOL_CACHE, "go", "1.22.5", {
      "bin/go": `#!/bin/sh\ncase "$1 $2" in\n  "version "*) echo "go version go1.22.5 linux/amd64" ;;\n  "env GOPATH") echo "${goHome}" ;;\n  "env GOMODCACHE") echo "${goHome}/pkg/mod" ;;\n  "env GOCACHE") echo "${m.home}/.cache/go-build" ;;\nesac\n`,
    });
    const workflow = `name: CI
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: go
        uses: actions/setup-go@v5
        with:
          go-version: "1.22"
      - run: |
          mod="$(go env GOMODCACHE)"
          if [ -f "$mod/marker.txt" ]; then echo "restored=$(cat "$mod/marker.txt")"; else echo "restored=none"; fi
          mkdir -p "$mod" "$(go env GOCACHE)" && echo go-run-1 > "$mod/marker.txt"
`;
    const repo = repoWith(workflow, { "go.sum": "example.com/x v1.0.0 h1:abc=\n" });
    const first = await gantry(repo, ["run"], { env: m.env });
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(stepOutputs(job(first.report, "build"), "go")["cache-hit"]).toBe("false");
    expect(first.stdout).toMatch(/Cache saved with the key: setup-go-Linux-\w+-go-1\.22\.5-[0-9a-f]{64}/);

    rmSync(join(goHome, "pkg"), { recursive: true, force: true });
    const second = await gantry(repo, ["run"], { env: m.env });
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(stepOutputs(job(second.report, "build"), "go")["cache-hit"]).toBe("true");
    expect(second.stdout).toContain("[CI/build] | restored=go-run-1");

    const noSum = await gantry(repoWith(workflow), ["run"], { env: m.env });
    expect(noSum.code).toBe(0);
    expect(noSum.stdout).toContain("Restore cache failed: Dependencies file is not found in ");
    expect(noSum.stdout).toContain("Supported file pattern: go.sum");
  });

  it("setup-java cache: maven restores ~/.m2/repository, keyed by pom.xml", async () => {
    const m = machine();
    installTool(m.env.RUNNER_TOOL_CACHE, "Java_Temurin-Hotspot_jdk", "21.0.2-13", {
      "bin/java": "#!/bin/sh\necho 'openjdk version \"21.0.2\"' >&2\n",
      "bin/javac": "#!/bin/sh\n",
    });
    const repo = repoWith(
      `name: CI
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: java
        uses: actions/setup-java@v4
        with:
          distribution: temurin
          java-version: "21"
          cache: maven
      - run: |
          repo="$HOME/.m2/repository"
          if [ -f "$repo/marker.txt" ]; then echo "restored=$(cat "$repo/marker.txt")"; else echo "restored=none"; fi
          mkdir -p "$repo" && echo maven-run-1 > "$repo/marker.txt"
`,
      { "pom.xml": "<project/>\n" },
    );
    const first = await gantry(repo, ["run"], { env: m.env });
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(stepOutputs(job(first.report, "build"), "java")["cache-hit"]).toBe("false");
    expect(first.stdout).toContain("maven cache is not found");
    expect(first.stdout).toMatch(/Cache saved with the key: setup-java-Linux-\w+-maven-[0-9a-f]{64}/);

    rmSync(join(m.home, ".m2"), { recursive: true, force: true });
    const second = await gantry(repo, ["run"], { env: m.env });
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(stepOutputs(job(second.report, "build"), "java")["cache-hit"]).toBe("true");
    expect(second.stdout).toContain("[CI/build] | restored=maven-run-1");
  });

  it("setup-java cache: gradle fails the step when no build file matches", async () => {
    const m = machine();
    installTool(m.env.RUNNER_TOOL_CACHE, "Java_Temurin-Hotspot_jdk", "21.0.2-13", {
      "bin/java": "#!/bin/sh\n",
      "bin/javac": "#!/bin/sh\n",
    });
    const repo = repoWith(`name: CI
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-java@v4
        with:
          distribution: temurin
          java-version: "21"
          cache: gradle
`);
    const r = await gantry(repo, ["run"], { env: m.env });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("matched to [**/*.gradle*,**/gradle-wrapper.properties,");
    expect(r.stdout).toContain("make sure you have checked out the target repository");
  });
});
