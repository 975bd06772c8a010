import { execFileSync, spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import type { JobReport, RunReport } from "../src/engine/index.js";

export const BIN = resolve(import.meta.dirname, "..", "bin", "gantry.js");

/** A repository described as files; `dirty` files are written after the commit. */
export interface RepoSpec {
  files: Record<string, string>;
  dirty?: Record<string, string>;
  branch?: string;
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, encoding: "utf8" }).trim();
}

/** A fixed author and committer, for repositories a test commits to without a git config of their own. */
const TESTER = {
  GIT_AUTHOR_NAME: "t",
  GIT_AUTHOR_EMAIL: "t@example.com",
  GIT_COMMITTER_NAME: "t",
  GIT_COMMITTER_EMAIL: "t@example.com",
};

/** git in `cwd` as the fixed test identity (TESTER), whatever the host's git config holds. */
export function gitAsTester(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, encoding: "utf8", env: { ...process.env, ...TESTER } }).trim();
}

function writeFiles(root: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
  }
}

/** Makes a real git repository in a temp dir with one commit holding `files`. */
export function makeRepo(spec: RepoSpec): string {
  const dir = mkdtempSync(join(tmpdir(), "gantry-e2e-"));
  git(dir, "init", "-q", "-b", spec.branch ?? "main");
  git(dir, "config", "user.name", "Test User");
  git(dir, "config", "user.email", "test@example.com");
  git(dir, "config", "commit.gpgsign", "false");
  writeFiles(dir, spec.files);
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "initial");
  if (spec.dirty) writeFiles(dir, spec.dirty);
  return dir;
}

export interface GantryResult {
  code: number | null;
  stdout: string;
  stderr: string;
  report?: RunReport;
}

/** Runs the real CLI in `cwd` with its own GANTRY_HOME; `--report` is added and parsed. */
export function gantry(
  cwd: string,
  args: string[],
  opts: { env?: Record<string, string>; report?: boolean; onSpawn?: (pid: number) => void } = {},
): Promise<GantryResult> {
  const home = mkdtempSync(join(tmpdir(), "gantry-home-"));
  const reportFile = join(home, "report.json");
  const withReport = opts.report !== false && args[0] === "run";
  const fullArgs = withReport ? [...args, "--report", reportFile] : args;
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [BIN, ...fullArgs], {
      cwd,
      env: { ...process.env, CI: "true", GANTRY_HOME: home, ...opts.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    if (child.pid && opts.onSpawn) opts.onSpawn(child.pid);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => {
      stdout += c;
    });
    child.stderr.on("data", (c) => {
      stderr += c;
    });
    child.on("close", (code) => {
      let report: RunReport | undefined;
      try {
        report = JSON.parse(readFileSync(reportFile, "utf8")) as RunReport;
      } catch {
        report = undefined;
      }
      resolvePromise({ code, stdout, stderr, report });
    });
  });
}

/** The report reduced to what tests compare: per workflow, job name → result and step conclusions. */
export function summary(report: RunReport | undefined): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const run of report?.runs ?? []) {
    const jobs: Record<string, string> = {};
    for (const job of run.jobs) jobs[job.name] = job.result;
    out[run.workflow] = jobs;
  }
  return out;
}

/** True while the process exists and is not a zombie waiting to be reaped. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

/** The pids a step wrote to a file, one per word. */
export function pids(file: string): number[] {
  return readFileSync(file, "utf8").split(/\s+/).filter(Boolean).map(Number);
}

/** A repository with one workflow, `ci.yml`, and any other files. */
export function repoWith(workflow: string, files: Record<string, string> = {}): string {
  return makeRepo({ files: { ".github/workflows/ci.yml": workflow, ...files } });
}

/** A folder outside every workspace that steps write to (handed to them as $SHARED). */
export function scratch(): string {
  return mkdtempSync(join(tmpdir(), "gantry-shared-"));
}

/** The job of the first run with this display name; throws when there is none. */
export function job(report: RunReport | undefined, name: string): JobReport {
  const found = report?.runs[0].jobs.find((j) => j.name === name);
  if (!found) throw new Error(`no job '${name}' in the report`);
  return found;
}

/** Whether a command is on PATH (tests that need python3, javac … skip without it). */
export function hasCommand(name: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/**
 * A PATH of one temp folder holding links to the host's `tools` (and this node) plus `scripts`
 * (name → content), so a test sees the same tools whatever else the host has on its PATH.
 */
export function pathWith(tools: string[], scripts: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "gantry-path-"));
  symlinkSync(process.execPath, join(dir, "node"));
  for (const tool of tools) {
    const found = execFileSync("sh", ["-c", 'command -v "$1"', "sh", tool], { encoding: "utf8" }).trim();
    symlinkSync(found, join(dir, tool));
  }
  for (const [name, content] of Object.entries(scripts)) {
    writeFileSync(join(dir, name), content);
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}
