import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";
import { execFileProcess, spawnHelperPid, spawnProcess, startSpawnHelper } from "./index.js";

const dir = mkdtempSync(join(tmpdir(), "gantry-spawner-"));
const helperFile = join(dir, "spawn-helper.js");

beforeAll(async () => {
  // The helper as the build bundles it (scripts/build.mjs), started for this test process.
  await build({
    entryPoints: [resolve(import.meta.dirname, "helper.ts")],
    outfile: helperFile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "warning",
  });
  expect(startSpawnHelper(helperFile)).toBe(true);
});

/** The parent pid of a process, from /proc. */
function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
}

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
  return new Promise<{ stdout: string; stderr: string; code: number | null; signal: string | null }>((done) =>
    child.on("close", (code: number | null, signal: string | null) => done({ stdout, stderr, code, signal })),
  );
}

describe("the spawn helper", () => {
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
});
