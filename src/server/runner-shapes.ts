// GitHub's self-hosted runner object, for runner machines (`gantry runner`, rows of the store) and
// for the server's own built-in pool, which the server-wide list shows as one more runner.
import { arch, platform } from "node:os";
import type { Job, Repo, Runner } from "../store/index.js";
import { pageUrl } from "./github-shapes.js";
import type { RunnerJobJson, RunnerJson, RunnerLabelJson } from "./runner-schemas.js";
import { BUILT_IN_RUNNER_ID, runnerOnline } from "./runner-status.js";

/** An OS name as GitHub's runner gives it (RUNNER_OS): Linux, macOS, Windows. */
export function runnerOs(os: string): string {
  const lower = os.toLowerCase();
  if (lower === "linux") return "Linux";
  if (lower === "darwin" || lower === "macos") return "macOS";
  if (lower === "win32" || lower === "windows") return "Windows";
  return os;
}

/** An architecture as GitHub's runner gives it (RUNNER_ARCH): X64, ARM64, X86, ARM. */
export function runnerArch(cpu: string): string {
  const lower = cpu.toLowerCase();
  if (lower === "x64" || lower === "amd64" || lower === "x86_64") return "X64";
  if (lower === "arm64" || lower === "aarch64") return "ARM64";
  if (lower === "ia32" || lower === "x86") return "X86";
  return cpu.toUpperCase();
}

/** The runner's labels in GitHub's shape; `allReadOnly` for the built-in pool (the config sets them). */
export function runnerLabels(
  labels: string[],
  os: string,
  cpu: string,
  allReadOnly = false,
): RunnerLabelJson[] {
  const defaults = new Set(["self-hosted", runnerOs(os).toLowerCase(), runnerArch(cpu).toLowerCase()]);
  return labels.map((name, i) => ({
    id: i + 1,
    name,
    type: allReadOnly || defaults.has(name.toLowerCase()) ? "read-only" : "custom",
  }));
}

/** A job a runner runs now, with its page and API URL. */
export function runnerJobJson(job: Job, repo: Repo, base: string): RunnerJobJson {
  return {
    id: job.id,
    run_id: job.runId,
    name: job.name,
    repository: `${repo.owner}/${repo.name}`,
    url: `${base}/api/v1/repos/${repo.owner}/${repo.name}/actions/jobs/${job.id}`,
    html_url: pageUrl(base, repo, `jobs/${job.id}`),
  };
}

/**
 * A runner machine: `repo` its repository (null: server-wide); `busy` whether it runs a job now,
 * `jobs` those of them the caller may see.
 */
export function runnerJson(
  runner: Runner,
  repo: Repo | null,
  { busy, jobs }: { busy: boolean; jobs: RunnerJobJson[] },
  at: number = Date.now(),
): RunnerJson {
  return {
    id: runner.id,
    name: runner.name,
    os: runnerOs(runner.os),
    status: runnerOnline(runner, at) ? "online" : "offline",
    busy,
    ephemeral: runner.ephemeral,
    labels: runnerLabels(runner.labels, runner.os, runner.arch),
    built_in: false,
    repository: repo ? `${repo.owner}/${repo.name}` : null,
    arch: runnerArch(runner.arch),
    slots: runner.slots,
    version: runner.version,
    draining: runner.draining,
    last_seen_at: runner.lastSeenAt,
    jobs,
  };
}

/** The server's built-in pool as a runner: online while the server answers. */
export function builtInRunnerJson(
  pool: { name: string; slots: number; labels: string[] },
  jobs: RunnerJobJson[],
): RunnerJson {
  return {
    id: BUILT_IN_RUNNER_ID,
    name: pool.name,
    os: runnerOs(platform()),
    status: "online",
    busy: jobs.length > 0,
    ephemeral: false,
    labels: runnerLabels(pool.labels, platform(), arch(), true),
    built_in: true,
    repository: null,
    arch: runnerArch(arch()),
    slots: pool.slots,
    version: null,
    draining: false,
    last_seen_at: null,
    jobs,
  };
}
