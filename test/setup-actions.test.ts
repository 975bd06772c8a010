import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, realpathSync, writeFileSync } from "node:fs";
import { arch, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import type { JobReport } from "../src/engine/index.js";
import { gantry, hasCommand, job, makeRepo, repoWith } from "./harness.js";

const ARCH = arch() === "arm64" ? "arm64" : arch() === "x64" ? "x64" : arch();

function toolCache(): string {
  return mkdtempSync(join(tmpdir(), "gantry-toolcache-"));
}

/** Installs a tool into the tool cache as @actions/tool-cache does, `.complete` marker included. */
function install(
  root: string,
  tool: string,
  version: string,
  files: Record<string, string>,
  opts: { complete?: boolean } = {},
): string {
  const dir = join(root, tool, version, ARCH);
  for (const [path, content] of Object.entries(files)) {
    const full = join(dir, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
    chmodSync(full, 0o755);
  }
  mkdirSync(dir, { recursive: true });
  if (opts.complete !== false) writeFileSync(`${dir}.complete`, "");
  return dir;
}

/** A stand-in `node` that prints its version, as `node --version` does. */
const fakeNode = (version: string) => ({ "bin/node": `#!/bin/sh\necho v${version}\n` });

function stepOutputs(j: JobReport, id: string): Record<string, string> {
  const step = j.steps.find((s) => s.id === id);
  if (!step) throw new Error(`no step '${id}'`);
  return step.outputs;
}

describe.concurrent("actions/setup-node", () => {
  it("takes the highest matching version from the tool cache, for PATH and the node-version output", async () => {
    const tc = toolCache();
    for (const v of ["18.19.0", "20.9.0", "20.11.1", "22.1.0"]) install(tc, "node", v, fakeNode(v));
    install(tc, "node", "20.12.0", fakeNode("20.12.0"), { complete: false });
    const repo = repoWith(`name: CI
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/setup-node@v4
        id: node
        with:
          node-version: 20.x
      - run: |
          echo "version=$(node --version)"
          echo "out=\${{ steps.node.outputs.node-version }}"
          echo "which=$(command -v node)"
`);
    const r = await gantry(repo, ["run"], { env: { RUNNER_TOOL_CACHE: tc } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("[CI/build] | version=v20.11.1");
    expect(r.stdout).toContain("[CI/build] | out=v20.11.1");
    expect(r.stdout).toContain(`[CI/build] | which=${join(tc, "node", "20.11.1", ARCH, "bin", "node")}`);
    expect(stepOutputs(job(r.report, "build"), "node")).toEqual({ "node-version": "v20.11.1" });
  });

  it("reads node-version-file (.nvmrc with lts/*, package.json engines) after checkout", async () => {
    const tc = toolCache();
    for (const v of ["18.19.0", "20.11.1", "22.1.0", "23.3.0"]) install(tc, "node", v, fakeNode(v));
    const repo = makeRepo({
      files: {
        ".nvmrc": "lts/*\n",
        "package.json": JSON.stringify({ name: "app", engines: { node: ">=18 <21" } }),
        ".github/workflows/ci.yml": `name: CI
on: push
jobs:
  nvmrc:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version-file: .nvmrc
      - run: echo "nvmrc=$(node --version)"
  engines:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version-file: package.json
      - run: echo "engines=$(node --version)"
`,
      },
    });
    const r = await gantry(repo, ["run"], { env: { RUNNER_TOOL_CACHE: tc } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("[CI/nvmrc] | nvmrc=v22.1.0");
    expect(r.stdout).toContain("cannot read nodejs.org's release index");
    expect(r.stdout).toContain("[CI/engines] | engines=v20.11.1");
  });

  it("falls back to the host's node when the tool cache has none that matches", async () => {
    const host = process.version.slice(1);
    const repo = repoWith(`name: CI
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/setup-node@v4
        id: node
        with:
          node-version: ${host.split(".")[0]}
      - run: echo "version=$(node --version)"
`);
    const r = await gantry(repo, ["run"], { env: { RUNNER_TOOL_CACHE: toolCache() } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`using the host's node ${host}`);
    expect(r.stdout).toContain(`[CI/build] | version=v${host}`);
    expect(stepOutputs(job(r.report, "build"), "node")).toEqual({ "node-version": `v${host}` });
  });

  it("fails the step when the version file is missing, saying where it looked", async () => {
    const repo = repoWith(`name: CI
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/setup-node@v4
        with:
          node-version-file: .nvmrc
`);
    const r = await gantry(repo, ["run"], { env: { RUNNER_TOOL_CACHE: toolCache() } });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("Error: The node-version-file '.nvmrc' does not exist (looked for ");
    expect(r.stdout).toContain("only after actions/checkout");
  });

  it("fails the step with what it looked for, where, and what is there", async () => {
    const tc = toolCache();
    install(tc, "node", "18.19.0", fakeNode("18.19.0"));
    install(tc, "node", "19.1.0", fakeNode("19.1.0"), { complete: false });
    const repo = repoWith(`name: CI
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/setup-node@v4
        with:
          node-version: "19"
      - run: echo "not reached"
`);
    const r = await gantry(repo, ["run"], { env: { RUNNER_TOOL_CACHE: tc } });
    expect(r.code).toBe(1);
    expect(job(r.report, "build").steps.map((s) => s.conclusion)).toEqual(["failure", "skipped"]);
    expect(r.stdout).toContain(`Node.js '19' (${ARCH}) was not found on this machine`);
    expect(r.stdout).toContain(`the tool cache ${join(tc, "node")} has 18.19.0`);
    expect(r.stdout).toContain(`incomplete (no ${ARCH}.complete marker): 19.1.0/${ARCH}`);
    expect(r.stdout).toContain(`the host's PATH has node ${process.version.slice(1)}`);
    expect(r.stdout).toContain("which does not satisfy '19'");
    expect(r.stdout).not.toContain("not reached");
  });

  it("runs checkout → setup-node (the host's real node in a tool cache) → npm test, offline", async () => {
    const tc = toolCache();
    const version = process.version.slice(1);
    const dir = join(tc, "node", version, ARCH, "bin");
    mkdirSync(dir, { recursive: true });
    // The host's node behind a wrapper that marks the processes it starts (a symlink's
    // process.execPath would name the host's file).
    writeFileSync(
      join(dir, "node"),
      `#!/bin/sh\nexport GANTRY_TOOL_NODE="$0"\nexec ${realpathSync(process.execPath)} "$@"\n`,
    );
    chmodSync(join(dir, "node"), 0o755);
    writeFileSync(join(tc, "node", version, `${ARCH}.complete`), "");
    const repo = makeRepo({
      files: {
        "package.json": JSON.stringify({ name: "app", version: "1.0.0", scripts: { test: "node test.js" } }),
        "test.js": `const assert = require("node:assert");\nassert.strictEqual(1 + 1, 2);\nconsole.log("tests passed on", process.version, "from", process.env.GANTRY_TOOL_NODE);\n`,
        ".github/workflows/ci.yml": `name: CI
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: ${version}
      - run: npm test
`,
      },
    });
    const r = await gantry(repo, ["run"], { env: { RUNNER_TOOL_CACHE: tc } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`tests passed on v${version} from ${join(dir, "node")}`);
  });
});

describe.concurrent("actions/setup-python", () => {
  const fakePython = (version: string) => ({
    "bin/python": `#!/bin/sh\necho "Python ${version}"\n`,
    "bin/python3": `#!/bin/sh\necho "Python ${version}"\n`,
  });

  it("sets PATH, pythonLocation and the CMake/pkg-config variables from the tool cache (.python-version)", async () => {
    const tc = toolCache();
    for (const v of ["3.11.9", "3.12.1", "3.12.4", "3.13.0"]) install(tc, "Python", v, fakePython(v));
    const loc = join(tc, "Python", "3.12.4", ARCH);
    const repo = makeRepo({
      files: {
        ".python-version": "3.12\n",
        ".github/workflows/ci.yml": `name: CI
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        id: py
      - run: |
          echo "version=$(python --version)"
          echo "loc=$pythonLocation root=$Python_ROOT_DIR root3=$Python3_ROOT_DIR"
          echo "pkg=$PKG_CONFIG_PATH"
          echo "out=\${{ steps.py.outputs.python-version }} \${{ steps.py.outputs.python-path }}"
`,
      },
    });
    const r = await gantry(repo, ["run"], { env: { RUNNER_TOOL_CACHE: tc } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("[CI/build] | version=Python 3.12.4");
    expect(r.stdout).toContain(`[CI/build] | loc=${loc} root=${loc} root3=${loc}`);
    expect(r.stdout).toContain(`[CI/build] | pkg=${loc}/lib/pkgconfig`);
    expect(r.stdout).toContain(`[CI/build] | out=3.12.4 ${loc}/bin/python`);
  });

  it.skipIf(!hasCommand("python3"))(
    "falls back to the host's python3 and makes `python` name it, as on a GitHub runner",
    async () => {
      const host = execFileSync(
        "python3",
        ["-c", "import platform,sys;print(platform.python_version());print(sys.prefix)"],
        {
          encoding: "utf8",
        },
      )
        .trim()
        .split("\n");
      const [major, minor] = host[0].split(".");
      const repo = repoWith(`name: CI
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/setup-python@v5
        id: py
        with:
          python-version: "${major}.${minor}"
      - run: |
          echo "version=$(python --version)"
          echo "loc=$pythonLocation"
          echo "out=\${{ steps.py.outputs.python-version }}"
`);
      const r = await gantry(repo, ["run"], { env: { RUNNER_TOOL_CACHE: toolCache() } });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`[CI/build] | version=Python ${host[0]}`);
      expect(r.stdout).toContain(`[CI/build] | loc=${host[1]}`);
      expect(r.stdout).toContain(`[CI/build] | out=${host[0]}`);
    },
  );
});

describe.concurrent("actions/setup-go", () => {
  /** A stand-in `go` answering `go version` and `go env GOPATH`. */
  const fakeGo = (version: string, gopath: string) => ({
    "bin/go": `#!/bin/sh\ncase "$1" in\n  version) echo "go version go${version} linux/amd64" ;;\n  env) echo "${gopath}" ;;\nesac\n`,
  });

  it("reads go.mod (toolchain before go), sets PATH with GOPATH/bin and the go-version output", async () => {
    const tc = toolCache();
    const gopath = mkdtempSync(join(tmpdir(), "gantry-gopath-"));
    for (const v of ["1.21.13", "1.22.5", "1.23.1"]) install(tc, "go", v, fakeGo(v, gopath));
    const repo = makeRepo({
      files: {
        "go.mod": "module example.com/app\n\ngo 1.21\n\ntoolchain go1.22.5\n",
        ".github/workflows/ci.yml": `name: CI
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-go@v5
        id: go
        with:
          go-version-file: go.mod
          cache: false
      - run: |
          echo "version=$(go version)"
          echo "out=\${{ steps.go.outputs.go-version }}"
          echo "path=$PATH"
`,
      },
    });
    const r = await gantry(repo, ["run"], { env: { RUNNER_TOOL_CACHE: tc } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("[CI/build] | version=go version go1.22.5 linux/amd64");
    expect(r.stdout).toContain("[CI/build] | out=1.22.5");
    expect(r.stdout).toContain(`[CI/build] | path=${gopath}/bin:${join(tc, "go", "1.22.5", ARCH, "bin")}:`);
  });

  it.skipIf(hasCommand("go"))("fails clearly when no Go is in the tool cache or on the host", async () => {
    const tc = toolCache();
    install(tc, "go", "1.21.13", fakeGo("1.21.13", tmpdir()));
    const repo = repoWith(`name: CI
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/setup-go@v5
        with:
          go-version: "1.22"
`);
    const r = await gantry(repo, ["run"], { env: { RUNNER_TOOL_CACHE: tc } });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `Go '1.22' (${ARCH}) was not found on this machine. Looked in: the tool cache ${join(tc, "go")} has 1.21.13; the host's PATH has no go.`,
    );
    expect(r.stdout).toContain(`put it into the tool cache as ${join(tc, "go")}/<version>/${ARCH}/`);
  });
});

describe.concurrent("actions/setup-java", () => {
  const fakeJava = (version: string) => ({
    "bin/java": `#!/bin/sh\necho 'openjdk version "${version}"' >&2\n`,
  });

  it("sets JAVA_HOME, JAVA_HOME_<major>_<ARCH>, PATH and the outputs from the tool cache", async () => {
    const tc = toolCache();
    install(tc, "Java_Temurin-Hotspot_jdk", "17.0.9-9", fakeJava("17.0.9"));
    const home17 = install(tc, "Java_Temurin-Hotspot_jdk", "17.0.10-7", fakeJava("17.0.10"));
    const home21 = install(tc, "Java_Temurin-Hotspot_jdk", "21.0.2-13", fakeJava("21.0.2"));
    install(tc, "Java_Zulu_jdk", "17.0.11-9", fakeJava("17.0.11"));
    const repo = makeRepo({
      files: {
        ".java-version": "21\n",
        ".github/workflows/ci.yml": `name: CI
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-java@v4
        id: j17
        with:
          distribution: temurin
          java-version: "17"
      - run: |
          echo "home=$JAVA_HOME home17=$JAVA_HOME_17_${ARCH.toUpperCase()}"
          java -version 2>&1 | sed 's/^/java: /'
      - uses: actions/setup-java@v4
        id: j21
        with:
          distribution: temurin
          java-version-file: .java-version
      - run: |
          echo "home=$JAVA_HOME home17=$JAVA_HOME_17_${ARCH.toUpperCase()} home21=$JAVA_HOME_21_${ARCH.toUpperCase()}"
          java -version 2>&1 | sed 's/^/java: /'
`,
      },
    });
    const r = await gantry(repo, ["run"], { env: { RUNNER_TOOL_CACHE: tc } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`[CI/build] | home=${home17} home17=${home17}`);
    expect(r.stdout).toContain('[CI/build] | java: openjdk version "17.0.10"');
    expect(r.stdout).toContain(`[CI/build] | home=${home21} home17=${home17} home21=${home21}`);
    expect(r.stdout).toContain('[CI/build] | java: openjdk version "21.0.2"');
    const b = job(r.report, "build");
    expect(stepOutputs(b, "j17")).toEqual({
      distribution: "Temurin-Hotspot",
      path: home17,
      version: "17.0.10+7",
    });
    expect(stepOutputs(b, "j21")).toEqual({
      distribution: "Temurin-Hotspot",
      path: home21,
      version: "21.0.2+13",
    });
  });

  it.skipIf(!hasCommand("javac"))(
    "falls back to the host's JDK, and fails clearly for a version it is not",
    async () => {
      const java = realpathSync(execFileSync("sh", ["-c", "command -v java"], { encoding: "utf8" }).trim());
      const home = dirname(dirname(java));
      const version = execFileSync("sh", ["-c", "java -version 2>&1 | head -1"], { encoding: "utf8" });
      const hostMajor = /version "(?:1\.)?(\d+)/.exec(version)?.[1] ?? "0";
      const repo = repoWith(`name: CI
on: push
jobs:
  host:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/setup-java@v4
        id: java
        with:
          distribution: zulu
          java-version: "${hostMajor}"
      - run: echo "home=$JAVA_HOME"
  missing:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/setup-java@v4
        with:
          distribution: zulu
          java-version: "${Number(hostMajor) + 50}"
`);
      const r = await gantry(repo, ["run"], { env: { RUNNER_TOOL_CACHE: toolCache() } });
      expect(job(r.report, "host").result).toBe("success");
      expect(r.stdout).toContain(`[CI/host] | home=${home}`);
      expect(stepOutputs(job(r.report, "host"), "java").path).toBe(home);
      expect(job(r.report, "missing").result).toBe("failure");
      expect(r.stdout).toContain(
        `Java (zulu, jdk) '${Number(hostMajor) + 50}' (${ARCH}) was not found on this machine`,
      );
      expect(r.stdout).toContain("Java_Zulu_jdk does not exist");
    },
  );
});
