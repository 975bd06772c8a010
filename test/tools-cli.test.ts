import { execFile, execFileSync, spawn } from "node:child_process";
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { arch, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, hasCommand, pathWith } from "./harness.js";
import { hostPackage, nodePackageDir, startRegistry, type TestRegistry } from "./npm-registry.js";
import { tarGz } from "./tar-writer.js";

const ARCH = arch() === "arm64" ? "arm64" : arch() === "x64" ? "x64" : arch();
const NODE = process.version.slice(1);

/** A machine of its own: a tool cache, a HOME and an npm cache, and only the tools gantry needs on PATH. */
/** Each machine's folder, removed after the tests (tool caches hold copies of node). */
const roots: string[] = [];

function machine(extra: Record<string, string> = {}) {
  const root = mkdtempSync(join(tmpdir(), "gantry-tools-"));
  roots.push(root);
  const env: Record<string, string> = {
    PATH: pathWith(["npm", "tar", "gzip"]),
    HOME: join(root, "home"),
    GANTRY_HOME: join(root, "gantry"),
    RUNNER_TOOL_CACHE: join(root, "tool-cache"),
    npm_config_cache: join(root, "npm-cache"),
    npm_config_update_notifier: "false",
    ...extra,
  };
  mkdirSync(env.HOME);
  return { root, env, toolCache: env.RUNNER_TOOL_CACHE };
}

/** Runs the real CLI with exactly `env` (nothing of this process's environment, so no npm_config_* leaks in). */
function tools(
  cwd: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, "tools", ...args],
      { cwd, env, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        const code = err ? Number((err as { code?: number }).code ?? 1) : 0;
        resolve({ code, out: `${stdout}${stderr}` });
      },
    );
  });
}

function run(file: string, args: string[], env: Record<string, string>): string {
  return execFileSync(file, args, { env, encoding: "utf8" }).trim();
}

/** What is under the tool cache besides gantry's (empty) staging folder. */
function contents(toolCache: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir)) {
      const r = rel ? `${rel}/${name}` : name;
      out.push(r);
      if (lstatSync(join(dir, name)).isDirectory() && !r.endsWith("/x64") && !r.endsWith(`/${ARCH}`))
        walk(join(dir, name), r);
    }
  };
  if (existsSync(toolCache)) walk(toolCache, "");
  return out.sort();
}

describe.concurrent("gantry tools", () => {
  const npm = hostPackage("npm");
  const corepack = hostPackage("corepack");
  let registry: TestRegistry;

  beforeAll(async () => {
    registry = await startRegistry([
      { name: `node-linux-${ARCH}`, version: NODE, dir: nodePackageDir(NODE, ARCH), temporary: true },
      // A package that says 22.1.0 but holds this machine's Node.js: the install must refuse it.
      { name: `node-linux-${ARCH}`, version: "22.1.0", dir: nodePackageDir("22.1.0", ARCH), temporary: true },
      { name: "npm", version: npm.version, engines: npm.engines, dir: npm.dir },
      // Newer, but its engines refuse every Node.js there is: never chosen, never downloaded.
      { name: "npm", version: "99.0.0", engines: { node: ">=99" } },
      { name: "corepack", version: corepack.version, engines: corepack.engines, dir: corepack.dir },
    ]);
  }, 600_000);
  afterAll(async () => {
    await registry?.close();
    for (const root of roots) rmSync(root, { recursive: true, force: true });
  });

  it("add node --from-npm takes node, npm, npx and corepack from the registry npm_config_registry names, and checks each runs", async () => {
    const m = machine({ npm_config_registry: registry.url });
    const r = await tools(m.root, ["add", `node@${NODE.split(".")[0]}`, "--from-npm"], m.env);
    expect(r.code, r.out).toBe(0);
    const dir = join(m.toolCache, "node", NODE, ARCH);
    expect(r.out).toContain(
      `Node.js ${NODE} (with npm ${npm.version}, corepack ${corepack.version}) → ${dir}`,
    );
    expect(existsSync(`${dir}.complete`)).toBe(true);
    const env = {
      PATH: `${join(dir, "bin")}:/usr/bin:/bin`,
      HOME: m.env.HOME,
      npm_config_update_notifier: "false",
    };
    expect(run(join(dir, "bin", "node"), ["--version"], env)).toBe(`v${NODE}`);
    expect(run(join(dir, "bin", "npm"), ["--version"], env)).toBe(npm.version);
    expect(run(join(dir, "bin", "npx"), ["--version"], env)).toBe(npm.version);
    expect(run(join(dir, "bin", "corepack"), ["--version"], env)).toBe(corepack.version);
    // Laid out as Node.js's own archives: links inside the install, not to the host.
    expect(readlinkSync(join(dir, "bin", "npm"))).toBe("../lib/node_modules/npm/bin/npm-cli.js");
    expect(readlinkSync(join(dir, "bin", "corepack"))).toBe("../lib/node_modules/corepack/dist/corepack.js");
    expect(registry.requests).toContain(`/node-linux-${ARCH}/-/node-linux-${ARCH}-${NODE}.tgz`);
    expect(registry.requests).toContain(`/npm/-/npm-${npm.version}.tgz`);
    expect(registry.requests).not.toContain("/npm/-/npm-99.0.0.tgz");
    expect(contents(m.toolCache)).toEqual([
      ".gantry-staging",
      "node",
      `node/${NODE}`,
      `node/${NODE}/${ARCH}`,
      `node/${NODE}/${ARCH}.complete`,
    ]);

    const list = await tools(m.root, ["list"], m.env);
    expect(list.out).toMatch(new RegExp(`node\\s+${NODE.replaceAll(".", "\\.")}\\s+${ARCH}\\s+${dir}\\n`));
    const again = await tools(m.root, ["add", `node@${NODE}`, "--from-npm"], m.env);
    expect(again.code).toBe(1);
    expect(again.out).toContain(
      `node ${NODE} (${ARCH}) is already in the tool cache at ${dir}; --force replaces it`,
    );
  }, 600_000);

  it("add node --from-npm reads the registry from the .npmrc of the directory it runs in", async () => {
    const m = machine();
    const project = join(m.root, "project");
    mkdirSync(project);
    writeFileSync(join(project, ".npmrc"), `registry=${registry.url}\n`);
    const r = await tools(project, ["add", `node@${NODE}`, "--from-npm", "--corepack", "none"], m.env);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain(`(with npm ${npm.version}) → `);
    expect(existsSync(join(m.toolCache, "node", NODE, ARCH, "bin", "corepack"))).toBe(false);

    // Without the .npmrc (and no npm_config_registry) npm asks its default registry: the test
    // machine must not reach it, so point npm at a closed loopback port instead and see it fail.
    const closed = await tools(m.root, ["add", "node@18", "--from-npm"], {
      ...m.env,
      npm_config_registry: "http://127.0.0.1:9/",
      npm_config_fetch_retries: "0",
    });
    expect(closed.code).toBe(1);
    expect(closed.out).toContain(
      `gantry: npm view node-linux-${ARCH}@18 failed: npm error code ECONNREFUSED; npm error FetchError: request to http://127.0.0.1:9/node-linux-${ARCH} failed`,
    );
  }, 600_000);

  it("refuses a Node.js that reports another version than its package, and leaves nothing behind", async () => {
    const m = machine({ npm_config_registry: registry.url });
    const r = await tools(m.root, ["add", "node@22", "--from-npm"], m.env);
    expect(r.code).toBe(1);
    expect(r.out).toContain(
      `gantry: bin/node from the npm registry reports Node.js ${NODE}, which is not the '22' asked for; refused`,
    );
    expect(contents(m.toolCache)).toEqual([".gantry-staging"]);
  }, 600_000);

  it("--from DIR copies a Node.js folder; a version mismatch is filed only with --allow-version-mismatch and an exact version", async () => {
    const m = machine();
    const src = join(m.root, "node-dist");
    mkdirSync(join(src, "bin"), { recursive: true });
    cpSync(process.execPath, join(src, "bin", "node"));
    const plain = await tools(m.root, ["add", "node", "--from", src], m.env);
    expect(plain.code, plain.out).toBe(0);
    expect(plain.out).toContain("note: ");
    expect(plain.out).toContain("has no bin/npm; jobs using this Node.js get no npm");

    const range = await tools(m.root, ["add", "node@18", "--from", src, "--allow-version-mismatch"], m.env);
    expect(range.code).toBe(1);
    expect(range.out).toContain(
      "--allow-version-mismatch files the tool under the version you name, so it needs an exact version (node@1.2.3), not '18'",
    );

    const forced = await tools(
      m.root,
      ["add", "node@18.20.8", "--from", src, "--allow-version-mismatch"],
      m.env,
    );
    expect(forced.code, forced.out).toBe(0);
    expect(forced.out).toContain(
      `warning: bin/node reports ${NODE}; filed as 18.20.8 because of --allow-version-mismatch`,
    );
    expect(existsSync(join(m.toolCache, "node", "18.20.8", `${ARCH}.complete`))).toBe(true);

    const rm = await tools(m.root, ["rm", "node@18.20.8"], m.env);
    expect(rm.code, rm.out).toBe(0);
    expect(existsSync(join(m.toolCache, "node", "18.20.8"))).toBe(false);
    const rmAgain = await tools(m.root, ["rm", "node@18.20.8"], m.env);
    expect(rmAgain.code).toBe(1);
    expect(rmAgain.out).toContain("node@18.20.8 (");
  }, 600_000);

  it("refuses bad names, versions and paths before touching anything", async () => {
    const m = machine();
    const cases: [string[], string][] = [
      [["add", "ruby@3", "--from", "."], "unknown tool 'ruby': gantry installs node, python, go, java"],
      [["add", "node@../../etc", "--from", "."], "'../../etc' is not a version or range"],
      [["add", "node@22", "--from", ".", "--arch", "../x64"], "--arch '../x64' is not one of"],
      [["add", "java@17", "--from", ".", "--distribution", "../../x"], "unknown Java distribution '../../x'"],
      [["add", "python@3.12", "--from-npm"], "--from-npm installs Node.js only"],
      [["add", "node@22", "--from", ".", "--npm", "10"], "--npm and --corepack choose what --from-npm adds"],
      [["add", "node@22", "--from", "/no/such/dir"], "--from /no/such/dir: no such file or directory"],
      [
        ["add", "node@22", "--from", "ftp://example.com/node.tgz"],
        "only http(s) URLs, archive files and directories",
      ],
      [["rm", "node@../x"], "'../x' is not an exact version"],
    ];
    for (const [args, message] of cases) {
      const r = await tools(m.root, args, m.env);
      expect(r.code, args.join(" ")).not.toBe(0);
      expect(r.out, args.join(" ")).toContain(message);
    }
    expect(contents(m.toolCache).filter((p) => p !== ".gantry-staging")).toEqual([]);
  }, 600_000);

  it("refuses archives whose members climb out, are absolute, or link out of the tool, and writes nothing outside", async () => {
    const m = machine();
    const outside = join(m.root, "outside");
    mkdirSync(outside);
    const node = { name: "t/bin/node", content: "#!/bin/sh\necho v1.2.3\n", mode: 0o755 };
    const archives: [string, Parameters<typeof tarGz>[0], string][] = [
      [
        "dotdot",
        [{ name: "t/", type: "dir" }, { name: "t/../../outside/evil", content: "x" }, node],
        "the archive member 't/../../outside/evil' climbs out with '..'; refused",
      ],
      [
        "absolute",
        [{ name: `${outside}/evil`, content: "x" }, node],
        `the archive member '${outside}/evil' is an absolute path; refused`,
      ],
      [
        "link-out-then-write",
        [
          { name: "t/", type: "dir" },
          { name: "t/lib", type: "symlink", linkname: outside },
          { name: "t/lib/evil", content: "x" },
          node,
        ],
        "",
      ],
      [
        "relative-link-out",
        [
          { name: "t/", type: "dir" },
          { name: "t/share", type: "symlink", linkname: "../../../outside" },
          node,
        ],
        "'share' is a link pointing outside the tool (../../../outside)",
      ],
      [
        "link-via-link",
        [
          { name: "t/", type: "dir" },
          { name: "t/a/", type: "dir" },
          { name: "t/a/up", type: "symlink", linkname: ".." },
          { name: "t/esc", type: "symlink", linkname: "a/up/.." },
          node,
        ],
        "'esc' is a link pointing outside the tool (a/up/..)",
      ],
    ];
    for (const [name, entries, message] of archives) {
      const file = join(m.root, `${name}.tar.gz`);
      writeFileSync(file, tarGz(entries));
      const r = await tools(m.root, ["add", "node@1.2.3", "--from", file], m.env);
      expect(r.code, `${name}: ${r.out}`).toBe(1);
      expect(r.out, name).toMatch(
        message
          ? new RegExp(message.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
          : /gantry: .*(link|refused|tar could not unpack)/,
      );
      expect(readdirSync(outside), name).toEqual([]);
      expect(existsSync(join(m.toolCache, "node")), name).toBe(false);
    }
  }, 600_000);

  it("an install killed half way is never taken for a complete one, and the next install works", async () => {
    const m = machine();
    const src = join(m.root, "node-dist");
    mkdirSync(join(src, "bin"), { recursive: true });
    cpSync(process.execPath, join(src, "bin", "node"));
    const staging = join(m.toolCache, ".gantry-staging");
    // Killed as soon as its staging folder has the tool's root (it is copying the 100 MB binary then).
    for (let attempt = 0; ; attempt++) {
      const child = spawn(process.execPath, [BIN, "tools", "add", "node", "--from", src], {
        env: m.env,
        stdio: "ignore",
      });
      const exited = new Promise((r) => child.on("exit", r));
      let staged = false;
      while (child.exitCode === null && !staged) {
        staged = (existsSync(staging) ? readdirSync(staging) : []).some((d) =>
          existsSync(join(staging, d, "root")),
        );
        if (!staged) await new Promise((r) => setTimeout(r, 2));
      }
      child.kill("SIGKILL");
      await exited;
      if (staged && !existsSync(join(m.toolCache, "node", NODE, `${ARCH}.complete`))) break;
      // It finished before the kill: start again from an empty tool cache.
      expect(attempt).toBeLessThan(5);
      rmSync(m.toolCache, { recursive: true, force: true });
    }
    const list = await tools(m.root, ["list"], m.env);
    expect(list.out).not.toMatch(new RegExp(`node\\s+${NODE.replaceAll(".", "\\.")}\\s+${ARCH}\\s+\\S+\\n`));
    expect(existsSync(join(m.toolCache, "node", NODE, `${ARCH}.complete`))).toBe(false);
    const r = await tools(m.root, ["add", "node", "--from", src], m.env);
    expect(r.code, r.out).toBe(0);
    expect(existsSync(join(m.toolCache, "node", NODE, `${ARCH}.complete`))).toBe(true);
  }, 600_000);

  it.skipIf(!hasCommand("python3"))(
    "python from an archive: its real interpreter, bin/python beside python3, set-id bits dropped",
    async () => {
      const m = machine();
      const prefix = execFileSync("python3", ["-c", "import sys; print(sys.base_prefix)"], {
        encoding: "utf8",
      }).trim();
      const version = execFileSync("python3", ["-c", "import platform; print(platform.python_version())"], {
        encoding: "utf8",
      }).trim();
      const minor = version.split(".").slice(0, 2).join(".");
      const exe = join(prefix, "bin", `python${minor}`);
      const entries: Parameters<typeof tarGz>[0] = [
        { name: "bin/", type: "dir" },
        // set-uid in the archive: must not survive into the tool cache
        {
          name: `bin/python${minor}`,
          content: execFileSync("cat", [exe], { maxBuffer: 1 << 30 }),
          mode: 0o4755,
        },
        { name: "bin/python3", type: "symlink", linkname: `python${minor}` },
      ];
      const lib = join(prefix, "lib", `libpython${minor}.so.1.0`);
      if (existsSync(lib)) {
        entries.push(
          { name: "lib/", type: "dir" },
          {
            name: `lib/libpython${minor}.so.1.0`,
            content: execFileSync("cat", [lib], { maxBuffer: 1 << 30 }),
            mode: 0o755,
          },
        );
      }
      const file = join(m.root, "python.tar.gz");
      writeFileSync(file, tarGz(entries));
      const r = await tools(m.root, ["add", `python@${minor}`, "--from", file], m.env);
      expect(r.code, r.out).toBe(0);
      const dir = join(m.toolCache, "Python", version, ARCH);
      expect(r.out).toContain(`Python ${version} → ${dir}`);
      expect(readlinkSync(join(dir, "bin", "python"))).toBe("python3");
      expect(statSync(join(dir, "bin", `python${minor}`)).mode & 0o7777).toBe(0o755);
      expect(run(join(dir, "bin", "python"), ["--version"], { PATH: "/usr/bin:/bin" })).toBe(
        `Python ${version}`,
      );

      // The same archive from a URL (a mirror's), replacing the install; a URL's password never shows.
      const auth: (string | undefined)[] = [];
      const server = createServer((req, res) => {
        auth.push(req.headers.authorization);
        if (req.url === "/python.tar.gz") res.end(readFileSync(file));
        else res.writeHead(404).end();
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      const base = `127.0.0.1:${(server.address() as AddressInfo).port}`;
      try {
        const fromUrl = await tools(
          m.root,
          ["add", `python@${minor}`, "--from", `http://${base}/python.tar.gz`, "--force"],
          m.env,
        );
        expect(fromUrl.code, fromUrl.out).toBe(0);
        expect(fromUrl.out).toContain(`Python ${version} → ${dir}`);
        const missing = await tools(
          m.root,
          ["add", `python@${minor}`, "--from", `http://me:s3cret@${base}/missing.tar.gz`],
          m.env,
        );
        expect(missing.code).toBe(1);
        expect(missing.out).toContain(`gantry: could not download http://${base}/missing.tar.gz: HTTP 404`);
        expect(auth).toEqual([undefined, `Basic ${Buffer.from("me:s3cret").toString("base64")}`]);
        expect(missing.out).not.toContain("s3cret");
      } finally {
        server.close();
      }

      const wrong = await tools(m.root, ["add", "python@3.4", "--from", file], m.env);
      expect(wrong.code).toBe(1);
      expect(wrong.out).toContain(`reports Python ${version}, which is not the '3.4' asked for; refused`);
    },
    120_000,
  );
});
