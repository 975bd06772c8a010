import { spawn } from "node:child_process";

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Variables that would point git at another repository than the one the store names. */
const REPO_VARS = [
  "GIT_DIR",
  "GIT_WORK_TREE",
  "GIT_INDEX_FILE",
  "GIT_OBJECT_DIRECTORY",
  "GIT_ALTERNATE_OBJECT_DIRECTORIES",
  "GIT_COMMON_DIR",
  "GIT_NAMESPACE",
  "GIT_PREFIX",
  "GIT_CEILING_DIRECTORIES",
];

function gitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: "0", ...extra };
  for (const name of REPO_VARS) if (!(name in extra)) delete env[name];
  return env;
}

/** Runs git without a shell; resolves with its exit code and output (never rejects on failure). */
export function git(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", args, {
      cwd: opts.cwd,
      env: gitEnv(opts.env),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => {
      stdout += c;
    });
    child.stderr.on("data", (c) => {
      stderr += c;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** git's first `fatal:`/`error:` line (or its first line), for error messages. */
export function gitReason(result: GitResult): string {
  const lines = result.stderr.split("\n").map((l) => l.trim());
  return lines.find((l) => /^(fatal|error):/.test(l)) ?? lines.find((l) => l !== "") ?? `exit ${result.code}`;
}

/** Writes the tree of `commit` in the bare repository `gitDir` into `dest` (git archive | tar -x). */
export function extractCommit(gitDir: string, commit: string, dest: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const archive = spawn("git", ["--git-dir", gitDir, "archive", "--format=tar", commit], {
      env: gitEnv(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    const tar = spawn("tar", ["-x", "-f", "-", "-C", dest], { stdio: ["pipe", "ignore", "pipe"] });
    archive.stdout.pipe(tar.stdin);
    let errors = "";
    archive.stderr.on("data", (c) => {
      errors += c;
    });
    tar.stderr.on("data", (c) => {
      errors += c;
    });
    let pending = 2;
    let failed = false;
    const done = (what: string) => (code: number | null) => {
      if (code !== 0) failed = true;
      if (code !== 0 && what === "git archive") tar.stdin.destroy();
      if (--pending > 0) return;
      if (failed)
        reject(new Error(`extracting ${commit} failed: ${errors.trim() || "git archive | tar -x"}`));
      else resolve();
    };
    archive.on("error", reject);
    tar.on("error", reject);
    archive.on("close", done("git archive"));
    tar.on("close", done("tar"));
  });
}
