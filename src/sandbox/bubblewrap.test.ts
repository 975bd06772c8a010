import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { JobSandbox, sandboxProblem } from "./bubblewrap.js";
import { copyInSandbox, runCommand } from "./run-command.js";

const open: JobSandbox[] = [];
const cleanup: string[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
  for (const dir of cleanup.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A job folder beside a "server" folder the job must not see. */
async function layout() {
  const root = mkdtempSync(join(tmpdir(), "sandbox-unit-"));
  const server = join(root, "server");
  const jobDir = join(server, "work", "1");
  for (const dir of ["tmp", "ws"]) mkdirSync(join(jobDir, dir), { recursive: true });
  writeFileSync(join(server, "secret.txt"), "server-secret\n");
  const sandbox = await JobSandbox.start({
    jobDir,
    tmpDir: join(jobDir, "tmp"),
    hidden: [server],
    readOnly: [],
    writable: [],
  });
  open.push(sandbox);
  return { root, server, jobDir, sandbox };
}

describe.skipIf(sandboxProblem() !== undefined)("JobSandbox", () => {
  it("shows the job its own folder and /tmp, and hides the server's", async () => {
    const { server, jobDir, sandbox } = await layout();
    const r = await runCommand(
      "sh",
      ["-c", `cat ${server}/secret.txt 2>&1; echo mine > ${jobDir}/ws/mine; echo t > /tmp/t; echo ok`],
      { cwd: join(jobDir, "ws"), sandbox },
    );
    expect(r.stdout).toContain("No such file");
    expect(r.stdout).toContain("ok");
    expect(readFileSync(join(jobDir, "ws", "mine"), "utf8")).toBe("mine\n");
    expect(readFileSync(join(jobDir, "tmp", "t"), "utf8")).toBe("t\n");
    expect(sandbox.toHost("/tmp/t")).toBe(join(jobDir, "tmp", "t"));
    expect(sandbox.toJob(join(jobDir, "tmp", "t"))).toBe("/tmp/t");
    expect(sandbox.toHost(join(jobDir, "ws", "mine"))).toBe(join(jobDir, "ws", "mine"));
    expect(sandbox.visible(join(jobDir, "ws", "mine"))).toBe(true);
    expect(sandbox.visible(join(server, "secret.txt"))).toBe(false);
  });

  it("copies as the job: a link to the server's file brings nothing, one to its folder writes nothing there", async () => {
    const { root, server, jobDir, sandbox } = await layout();
    writeFileSync(join(jobDir, "ws", "a.txt"), "a\n");
    symlinkSync(join(server, "secret.txt"), join(jobDir, "ws", "loot.txt"));
    const out = mkdtempSync(join(root, "out-"));
    await expect(
      copyInSandbox(sandbox, join(jobDir, "ws"), out, {
        names: ["a.txt", "loot.txt"],
        extra: { writable: [out] },
      }),
    ).rejects.toThrow(/loot.txt/);
    const staged = mkdtempSync(join(root, "staged-"));
    writeFileSync(join(staged, "b.txt"), "b\n");
    symlinkSync(server, join(jobDir, "ws", "drop"));
    await copyInSandbox(sandbox, staged, join(jobDir, "ws", "drop"), { extra: { readOnly: [staged] } });
    expect(existsSync(join(server, "b.txt"))).toBe(false);
    await copyInSandbox(sandbox, staged, join(jobDir, "ws", "fine"), { extra: { readOnly: [staged] } });
    expect(readFileSync(join(jobDir, "ws", "fine", "b.txt"), "utf8")).toBe("b\n");
  });

  it("shows the job nothing more through the keeper's processes: their view, their environment", async () => {
    process.env.SANDBOX_UNIT_SERVER_SECRET = "env-of-the-server";
    try {
      // A keeper started for the job, then one started ahead as that job ended, which the next takes.
      for (const round of [1, 2]) {
        const { root, server, jobDir, sandbox } = await layout();
        const r = await runCommand(
          "sh",
          [
            "-c",
            // The keeper's processes: bubblewrap's init (1) and its command (2) (the job's launcher
            // when it has one).
            `for p in /proc/1 /proc/2; do cat $p/root${server}/secret.txt; tr '\\0' '\\n' < $p/environ; ls -A $p/root/tmp $p/cwd; done 2>/dev/null; echo done`,
          ],
          { cwd: join(jobDir, "ws"), sandbox },
        );
        expect(r.stdout).toContain("done");
        expect(r.stdout).not.toContain("server-secret");
        expect(r.stdout).not.toContain("env-of-the-server");
        // Of the host's /tmp, only the folders above the job's own (its mount points in the job's /tmp).
        const seen = r.stdout.match(/sandbox-unit-\w+/g) ?? [];
        expect(seen.filter((name) => name !== basename(root))).toEqual([]);
        if (round === 1) {
          sandbox.close();
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    } finally {
      delete process.env.SANDBOX_UNIT_SERVER_SECRET;
    }
  });

  it("hides a file shown empty, and a hidden path made after the last job's start from the next job", async () => {
    // Not under /tmp: the job's /tmp is a folder of its own, so nothing there needs hiding.
    const root = mkdtempSync(join("/var/tmp", "sandbox-unit-"));
    cleanup.push(root);
    const runDir = join(root, "runs", "7");
    const key = join(root, "master.key");
    const later = join(root, "made-later");
    writeFileSync(key, "key-of-the-server\n");
    const read = `for f in ${key} ${later}/x /proc/1/root${key} /proc/1/root${later}/x; do cat $f; done 2>/dev/null; echo done`;
    // Two jobs of one run (they share the run's empty stand-in), the second on the keeper the first
    // left ahead unless the hidden paths changed: the folder made in between must be hidden too.
    for (const n of [1, 2]) {
      const jobDir = join(runDir, String(n));
      for (const dir of ["tmp", "ws"]) mkdirSync(join(jobDir, dir), { recursive: true });
      const sandbox = await JobSandbox.start({
        jobDir,
        tmpDir: join(jobDir, "tmp"),
        hidden: [key, later],
        readOnly: [],
        writable: [],
      });
      open.push(sandbox);
      const r = await runCommand("sh", ["-c", read], { cwd: join(jobDir, "ws"), sandbox });
      expect(r.stdout).toBe("done\n");
      sandbox.close();
      if (n === 1) {
        mkdirSync(later);
        writeFileSync(join(later, "x"), "made-after-the-spare\n");
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    expect(readFileSync(join(runDir, ".hidden-file"), "utf8")).toBe("");
  });

  it("ends its namespace when closed, also right after it started", async () => {
    const { jobDir } = await layout();
    const dead = (pid: number) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        return stat.slice(stat.lastIndexOf(")") + 2)[0] === "Z";
      } catch {
        return true;
      }
    };
    const inits: number[] = [];
    for (let i = 0; i < 30; i++) {
      const s = await JobSandbox.start({
        jobDir,
        tmpDir: join(jobDir, "tmp"),
        hidden: [],
        readOnly: [],
        writable: [],
      });
      inits.push(s.initPid);
      s.close();
    }
    for (const pid of inits) {
      while (!dead(pid)) await new Promise((r) => setTimeout(r, 20));
    }
    expect(inits.filter((pid) => !dead(pid))).toEqual([]);
  });
});
