import { spawn as nodeSpawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { cc, compileC } from "../../test/compile-c.js";

const dir = mkdtempSync(join(tmpdir(), "gantry-spawner-"));

/** Each helper as the build makes it: the compiled one, and helper.ts bundled. */
const helpers = [
  {
    name: "the compiled spawn helper",
    // Without a C compiler only the Node.js helper is tested.
    skip: cc === undefined,
    make: () => compileC(resolve(import.meta.dirname, "spawn-helper.c"), { linkStatic: true }) ?? "",
  },
  {
    name: "the Node.js spawn helper",
    skip: false,
    make: async () => {
      const file = join(dir, "spawn-helper.js");
      await build({
        entryPoints: [resolve(import.meta.dirname, "helper.ts")],
        outfile: file,
        bundle: true,
        platform: "node",
        format: "esm",
        target: "node20",
        logLevel: "warning",
      });
      return file;
    },
  },
];

/** The parent pid of a process, from /proc. */
function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
}

describe.each(helpers.filter((h) => !h.skip))("$name", ({ make, name }) => {
  const compiled = name.includes("compiled");
  /** This test's own copy of the spawner (its module state: the helper it started). */
  let spawner: typeof import("./index.js");
  let execFileProcess: typeof spawner.execFileProcess;
  let spawnProcess: typeof spawner.spawnProcess;
  let spawnHelperPid: typeof spawner.spawnHelperPid;
  let helperFile: string;

  beforeAll(async () => {
    helperFile = await make();
    vi.resetModules();
    spawner = await import("./index.js");
    ({ execFileProcess, spawnProcess, spawnHelperPid } = spawner);
    expect(spawner.startSpawnHelper(helperFile)).toBe(true);
  });

  /** Resolves with what a child wrote and how it ended, once it is closed. */
  function finished(child: ReturnType<typeof spawnProcess>) {
    let stdout = "";
    let stderr = "";
    child.stdout?.setEncoding("utf8").on("data", (c: string) => {
      stdout += c;
    });
    child.stderr?.setEncoding("utf8").on("data", (c: string) => {
      stderr += c;
    });
    return new Promise<{ stdout: string; stderr: string; code: number | null; signal: string | null }>(
      (done) =>
        child.on("close", (code: number | null, signal: string | null) =>
          done({ stdout, stderr, code, signal }),
        ),
    );
  }

  it("starts the process (its child, not this process's), with its output, exit code and pid", async () => {
    const helper = spawnHelperPid();
    expect(helper).toBeGreaterThan(0);
    const child = spawnProcess("sh", ["-c", 'echo "$PPID $MARK"; echo oops >&2; exit 3'], {
      env: { PATH: process.env.PATH, MARK: "marked" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const spawned = new Promise<number | undefined>((r) => child.once("spawn", () => r(child.pid)));
    const end = await finished(child);
    expect(await spawned).toBeGreaterThan(0);
    expect(end).toMatchObject({ stdout: `${helper} marked\n`, stderr: "oops\n", code: 3 });
  });

  it("runs a command in the folder given, with the variables given and nothing else", async () => {
    const { stdout } = await execFileProcess("sh", ["-c", 'pwd; echo "${HOME:-no home}"'], {
      cwd: dir,
      env: { PATH: process.env.PATH },
    });
    expect(stdout).toBe(`${dir}\nno home\n`);
  });

  it("writes the input given to the command's standard input", async () => {
    const { stdout } = await execFileProcess("cat", [], { input: "line 1\nline 2\n" });
    expect(stdout).toBe("line 1\nline 2\n");
  });

  it("hands a descriptor of this process to the child at its position", async () => {
    const file = join(dir, "fd-input.txt");
    writeFileSync(file, "through fd 3\n");
    const fd = openSync(file, "r");
    try {
      const child = spawnProcess("sh", ["-c", "cat <&3"], { stdio: ["ignore", "pipe", "pipe", fd] });
      expect((await finished(child)).stdout).toBe("through fd 3\n");
    } finally {
      closeSync(fd);
    }
  });

  it("starts a detached process as the leader of its own process group", async () => {
    const child = spawnProcess("sh", ["-c", "ps -o pgid= -p $$"], {
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const end = await finished(child);
    expect(Number(end.stdout.trim())).toBe(child.pid);
  });

  it("kills the process with the signal asked for", async () => {
    const child = spawnProcess("sleep", ["30"], { stdio: ["ignore", "pipe", "pipe"] });
    await new Promise((r) => child.once("spawn", r));
    expect(parentOf(child.pid ?? 0)).toBe(spawnHelperPid());
    const end = finished(child);
    child.kill("SIGKILL");
    expect(await end).toMatchObject({ code: null, signal: "SIGKILL" });
  });

  it("says a command that cannot start failed, as Node's spawn does (error, then close)", async () => {
    const child = spawnProcess("no-such-command-gantry", [], { stdio: ["ignore", "pipe", "pipe"] });
    const error = new Promise<NodeJS.ErrnoException>((r) => child.once("error", r));
    await finished(child);
    expect((await error).code).toBe("ENOENT");
    await expect(execFileProcess("no-such-command-gantry", [])).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("rejects with the command's stderr when it fails", async () => {
    await expect(execFileProcess("sh", ["-c", "echo bad >&2; exit 2"])).rejects.toMatchObject({
      stderr: "bad\n",
      code: 2,
    });
  });

  it("passes large output through whole", async () => {
    const { stdout } = await execFileProcess("sh", ["-c", "head -c 3000000 /dev/zero | tr '\\0' x"], {
      maxBuffer: 8 * 1024 * 1024,
    });
    expect(stdout.length).toBe(3_000_000);
  });

  it("says, as Node's spawn does, that a command or a folder is not there", async () => {
    const child = spawnProcess("no-such-command-gantry", ["x"], { stdio: ["ignore", "pipe", "pipe"] });
    const error = new Promise<NodeJS.ErrnoException>((r) => child.once("error", r));
    const exited = vi.fn();
    child.on("exit", exited);
    expect(await finished(child)).toMatchObject({ code: -2, signal: null });
    expect(await error).toMatchObject({
      message: "spawn no-such-command-gantry ENOENT",
      code: "ENOENT",
      errno: -2,
      syscall: "spawn no-such-command-gantry",
      path: "no-such-command-gantry",
    });
    expect(exited).not.toHaveBeenCalled();
    const inNowhere = spawnProcess("sh", ["-c", "true"], { cwd: join(dir, "nowhere") });
    const cwdError = new Promise<NodeJS.ErrnoException>((r) => inNowhere.once("error", r));
    await finished(inNowhere);
    expect(await cwdError).toMatchObject({ message: "spawn sh ENOENT", code: "ENOENT", errno: -2 });
    // A file that is no program, found on the PATH given.
    writeFileSync(join(dir, "not-a-program"), "text");
    await expect(
      execFileProcess("not-a-program", [], { env: { PATH: `/nonexistent:${dir}` } }),
    ).rejects.toMatchObject({ code: "EACCES" });
  });

  it("looks for the command on the PATH of the environment given, not on this process's", async () => {
    const bin = mkdtempSync(join(dir, "bin-"));
    writeFileSync(join(bin, "gantry-only-here"), "#!/bin/sh\necho found here\n", { mode: 0o755 });
    const { stdout } = await execFileProcess("gantry-only-here", [], {
      env: { PATH: `${bin}:/usr/bin:/bin` },
    });
    expect(stdout).toBe("found here\n");
  });

  it("gives the signal that ended a process, and its exit before its close", async () => {
    const child = spawnProcess("sh", ["-c", "kill -TERM $$"], { stdio: ["ignore", "pipe", "pipe"] });
    const exit = new Promise<unknown[]>((r) => child.once("exit", (...a) => r(a)));
    expect(await finished(child)).toMatchObject({ code: null, signal: "SIGTERM" });
    expect(await exit).toEqual([null, "SIGTERM"]);
  });

  it("relays a large input and large outputs on both streams whole, in order", async () => {
    const input = Buffer.alloc(3 * 1024 * 1024);
    for (let i = 0; i < input.length; i++) input[i] = (i * 7 + (i >> 12)) & 0xff;
    const digest = createHash("sha256").update(input).digest("hex");
    const copy = join(dir, `input-${compiled ? "c" : "node"}`);
    const child = spawnProcess(
      "sh",
      ["-c", 'tee "$0" | sha256sum; cat "$0" >&2; head -c 5000000 /dev/zero >&2', copy],
      {
        stdio: ["pipe", "pipe", "pipe"],
      },
    );
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on("data", (c: Buffer) => out.push(c));
    child.stderr?.on("data", (c: Buffer) => err.push(c));
    const closed = new Promise((r) => child.on("close", r));
    child.stdin?.end(input);
    expect(await closed).toBe(0);
    expect(Buffer.concat(out).toString()).toBe(`${digest}  -\n`);
    const stderr = Buffer.concat(err);
    expect(stderr.length).toBe(input.length + 5_000_000);
    expect(createHash("sha256").update(stderr.subarray(0, input.length)).digest("hex")).toBe(digest);
  });

  it("closes a process once what it started stops holding its output, as Node's spawn does", async () => {
    const child = spawnProcess("sh", ["-c", "(sleep 0.3; echo late) & echo early"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const seen: string[] = [];
    child.stdout?.setEncoding("utf8").on("data", (c: string) => seen.push(c.trim()));
    child.on("exit", () => seen.push("exit"));
    await new Promise((r) => child.on("close", r));
    expect(seen.filter((s) => s !== "exit").join(" ")).toBe("early late");
    expect(seen.indexOf("exit")).toBeLessThan(seen.indexOf("late"));
  });

  it("waits for the exit of a process that closed its output early", async () => {
    const child = spawnProcess("sh", ["-c", "exec >&- 2>&-; sleep 0.2; exit 4"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    expect(await finished(child)).toMatchObject({ code: 4 });
  });

  it("gives a child its own descriptors and none of the helper's", async () => {
    // A shell that lists its own descriptors once started (a program just exec'd may still hold
    // the files its loader opens), waiting for the `ls` it started.
    const child = spawnProcess("sh", ["-c", "ls /proc/$$/fd; exit 0"], { stdio: ["pipe", "pipe", "ignore"] });
    const listed = finished(child);
    // What the helper holds without close-on-exec past its stdio (the Node.js one: what it inherited).
    const helper = spawnHelperPid() ?? 0;
    const inheritable = readdirSync(`/proc/${helper}/fd`)
      .map(Number)
      .filter((fd) => {
        try {
          const flags = /flags:\s+(\d+)/.exec(readFileSync(`/proc/${helper}/fdinfo/${fd}`, "utf8"))?.[1];
          return fd > 2 && (Number.parseInt(flags ?? "0", 8) & 0o2000000) === 0;
        } catch {
          return false; // closed meanwhile
        }
      });
    const fds = (await listed).stdout.split("\n").filter(Boolean).map(Number);
    // The compiled helper passes nothing else; the Node.js one at most what Node's spawn passes
    // (what it holds without close-on-exec), and neither a descriptor of its own (its channel to
    // this process, its other children's pipes).
    expect(fds.slice(0, 3)).toEqual([0, 1, 2]);
    expect(fds.filter((fd) => fd > 2 && !inheritable.includes(fd))).toEqual([]);
    if (compiled) expect({ fds, inheritable }).toEqual({ fds: [0, 1, 2], inheritable: [] });
  });

  it("refuses a signal that is none, as Node's kill does, and kills nothing after the exit", async () => {
    const child = spawnProcess("sh", ["-c", "exit 0"], { stdio: ["ignore", "pipe", "pipe"] });
    expect(() => child.kill("SIGNOPE" as NodeJS.Signals)).toThrow(/Unknown signal/);
    await finished(child);
    expect(child.kill("SIGKILL")).toBe(false);
  });

  it.runIf(compiled)(
    "is not ended by a terminal's Ctrl-C (SIGINT to its group), which is for the server",
    async () => {
      const pid = spawnHelperPid() ?? 0;
      process.kill(pid, "SIGINT");
      const { stdout } = await execFileProcess("sh", ["-c", "echo still here"]);
      expect(stdout).toBe("still here\n");
      expect(spawnHelperPid()).toBe(pid);
    },
  );

  it("ends when the server is gone, and with it only what was started with --die-with-parent", async () => {
    // A server of its own: this spawner bundled, started in a process that is then killed.
    const server = join(dir, `server-${compiled ? "c" : "node"}.mjs`);
    await build({
      stdin: {
        contents: `
          import { spawnProcess, spawnHelperPid, startSpawnHelper } from ${JSON.stringify(resolve(import.meta.dirname, "index.ts"))};
          startSpawnHelper(process.argv[2]);
          const plain = spawnProcess("sleep", ["60"], { detached: true, stdio: "ignore" });
          const tied = spawnProcess("setpriv", ["--pdeathsig", "KILL", "--", "sleep", "60"], { stdio: "ignore" });
          let started = 0;
          for (const c of [plain, tied]) c.once("spawn", () => {
            if (++started === 2) console.log(JSON.stringify({ helper: spawnHelperPid(), plain: plain.pid, tied: tied.pid }));
          });
          setInterval(() => {}, 1000);
        `,
        resolveDir: import.meta.dirname,
        loader: "ts",
      },
      outfile: server,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      logLevel: "warning",
    });
    const proc = nodeSpawn(process.execPath, [server, helperFile], { stdio: ["ignore", "pipe", "inherit"] });
    const line = await new Promise<string>((r) => proc.stdout.once("data", (c: Buffer) => r(c.toString())));
    const pids = JSON.parse(line) as { helper: number; plain: number; tied: number };
    const alive = (pid: number) =>
      existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z ");
    expect(alive(pids.helper) && alive(pids.plain) && alive(pids.tied)).toBe(true);
    // Once setpriv has set its death signal and become `sleep`.
    await vi.waitFor(() => expect(readFileSync(`/proc/${pids.tied}/comm`, "utf8")).toBe("sleep\n"));
    proc.kill("SIGKILL");
    await vi.waitFor(() => expect(alive(pids.helper) || alive(pids.tied)).toBe(false), { timeout: 10_000 });
    expect(alive(pids.plain)).toBe(true);
    process.kill(pids.plain, "SIGKILL");
  });
});

describe("a compiled helper that cannot run here (another machine's binary)", () => {
  it("starts what waited for it, and every spawn after, from this process", async () => {
    const file = join(dir, "spawn-helper-of-another-machine");
    writeFileSync(file, Buffer.concat([Buffer.from("\u007fELF"), randomBytes(256)]), { mode: 0o755 });
    vi.resetModules();
    const spawner = await import("./index.js");
    expect(spawner.startSpawnHelper(file)).toBe(true);
    // Asked at once, before the helper could have said whether it runs.
    const first = spawner.execFileProcess("sh", ["-c", 'echo "first $PPID"; cat'], { input: "in\n" });
    const sleeper = spawner.spawnProcess("sleep", ["30"], { stdio: "ignore" });
    const ended = new Promise((r) => sleeper.on("close", (code, signal) => r({ code, signal })));
    sleeper.kill("SIGTERM");
    expect(await first).toEqual({ stdout: `first ${process.pid}\nin\n`, stderr: "" });
    expect(await ended).toEqual({ code: null, signal: "SIGTERM" });
    const later = await spawner.execFileProcess("sh", ["-c", 'echo "$PPID"']);
    expect(later.stdout).toBe(`${process.pid}\n`);
    expect(spawner.spawnHelperPid()).toBeUndefined();
    // A missing command is Node's error, as through a helper.
    await expect(spawner.execFileProcess("no-such-command-here", [])).rejects.toMatchObject({
      code: "ENOENT",
    });
  });
});
