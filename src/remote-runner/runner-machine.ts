import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { arch, hostname, platform } from "node:os";
import { join } from "node:path";
import type { JobIsolation, RemoteJobClaim } from "../server/index.js";
import { pause, RunnerClient, ServerRefused } from "./client.js";
import { runClaimedJob } from "./run-claimed-job.js";

export interface RunnerOptions {
  /** The server's URLs, as this machine reaches them (several servers of one database). */
  servers: string[];
  /** A registration token; needed only until the runner has its credential. */
  token?: string;
  /** Labels beyond self-hosted, the OS and the architecture. */
  labels: string[];
  slots: number;
  name: string;
  /** Takes one job, then removes its registration and stops. */
  ephemeral: boolean;
  /** Mirrors, action checkouts, jobs' folders and the credential file (.runner, 0600). */
  workDir: string;
  isolation: JobIsolation;
  version: string;
  log(message: string): void;
}

interface Credential {
  server: string;
  id: number;
  name: string;
  credential: string;
}

export function runnerOs(): "Linux" | "macOS" | "Windows" {
  return platform() === "darwin" ? "macOS" : platform() === "win32" ? "Windows" : "Linux";
}

function runnerArch(): "X64" | "ARM64" | "ARM" | "X86" {
  const a = arch();
  return a === "arm64" ? "ARM64" : a === "arm" ? "ARM" : a === "ia32" ? "X86" : "X64";
}

export function defaultRunnerName(): string {
  return (
    hostname()
      .replace(/[^A-Za-z0-9._-]/g, "-")
      .slice(0, 64) || "runner"
  );
}

/**
 * A runner machine: registers once (its credential kept in WORK/.runner, 0600), then claims jobs
 * whose runs-on its labels satisfy, as many at once as it has slots, and runs them. `stop()`
 * drains it: no new job is claimed, the running ones finish, or are handed back to the server when
 * `drainMs` passes first.
 */
export class RunnerMachine {
  private readonly client: RunnerClient;
  private running = new Set<Promise<void>>();
  private draining = false;
  private readonly polling = new AbortController();
  private readonly handBack = new AbortController();
  private taken = 0;

  constructor(private readonly opts: RunnerOptions) {
    this.client = new RunnerClient(opts.servers);
  }

  /** Registers when needed; the runner's id and name. */
  async register(): Promise<{ id: number; name: string }> {
    const { opts } = this;
    mkdirSync(opts.workDir, { recursive: true, mode: 0o700 });
    const file = join(opts.workDir, ".runner");
    if (existsSync(file) && !opts.ephemeral) {
      const saved = JSON.parse(readFileSync(file, "utf8")) as Credential;
      if (opts.servers.includes(saved.server) && saved.name === opts.name) {
        this.client.setCredential(saved.credential);
        return saved;
      }
    }
    if (!opts.token) {
      throw new ServerRefused(
        0,
        `this runner is not registered with ${opts.servers.join(", ")}: give --token (a registration token)`,
      );
    }
    const answer = await this.client.post<{ id: number; name: string; credential: string }>(
      "_runner/register",
      {
        token: opts.token,
        name: opts.name,
        labels: opts.labels,
        slots: opts.slots,
        os: runnerOs(),
        arch: runnerArch(),
        version: opts.version,
        ephemeral: opts.ephemeral,
      },
    );
    const saved: Credential = { server: this.client.server, ...answer.body };
    this.client.setCredential(saved.credential);
    // An ephemeral runner's credential lives in memory only: it goes with the process.
    if (!opts.ephemeral) {
      writeFileSync(file, JSON.stringify(saved), { mode: 0o600 });
      chmodSync(file, 0o600);
    }
    return saved;
  }

  /** Claims and runs jobs until stopped (or, ephemeral, after its one job). */
  async run(): Promise<void> {
    const { opts } = this;
    let wait = 1000;
    while (!this.draining) {
      const free = opts.slots - this.running.size;
      if (opts.ephemeral && this.taken > 0) break;
      if (free === 0) {
        await Promise.race([...this.running]);
        continue;
      }
      let jobs: RemoteJobClaim[];
      try {
        const answer = await this.client.post<{ jobs: RemoteJobClaim[] }>(
          "_runner/claim",
          { free: opts.ephemeral ? 1 : free, wait: 25 },
          { signal: this.polling.signal, attempts: 1 },
        );
        jobs = answer.body.jobs;
        wait = 1000;
      } catch (err) {
        if (this.draining) break;
        if (err instanceof ServerRefused && err.status === 401)
          throw new Error(
            `the server refused this runner: ${err.message} (removed? register again with --token)`,
          );
        opts.log(`claiming a job failed: ${(err as Error).message}; trying again in ${wait / 1000} s`);
        await pause(wait, this.polling.signal);
        wait = Math.min(wait * 2, 30_000);
        continue;
      }
      for (const claim of jobs) {
        this.taken += 1;
        opts.log(`job ${claim.id}: claimed`);
        const p = runClaimedJob(
          {
            client: this.client,
            workDir: opts.workDir,
            isolation: opts.isolation,
            log: opts.log,
            handBack: this.handBack.signal,
          },
          claim,
        )
          .catch((err: Error) => opts.log(`job ${claim.id}: ${err.message}`))
          .finally(() => this.running.delete(p));
        this.running.add(p);
      }
    }
    await Promise.all([...this.running]);
    if (opts.ephemeral) {
      await this.client
        .delete("_runner/self")
        .catch((err: Error) => opts.log(`removing the registration failed: ${err.message}`));
    }
  }

  /** Drains: no new claim; resolves when the running jobs ended, handing them back after `drainMs`. */
  async stop(drainMs: number): Promise<void> {
    this.draining = true;
    this.polling.abort();
    const timer = setTimeout(() => this.handBack.abort(), drainMs);
    await Promise.all([...this.running]);
    clearTimeout(timer);
    // The server shows it draining until it is gone (runners list).
    await this.client
      .post("_runner/claim", { free: 0, draining: true }, { attempts: 1 })
      .catch(() => undefined);
  }
}
