import { spawn } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ActionSource, ResolvedAction } from "../actions/index.js";
import type { RunnerClient } from "./client.js";

/**
 * A job's actions on a runner machine: the server resolves each `owner/repo@ref` through its
 * action store (its pins, copies and mirror) and sends the commit's files as a tar, which the
 * runner keeps by commit under WORK/actions/checkouts for later jobs.
 */
export class RemoteActionSource implements ActionSource {
  constructor(
    private readonly client: RunnerClient,
    private readonly jobId: number,
    private readonly workDir: string,
  ) {}

  async resolve(
    owner: string,
    repo: string,
    ref: string,
    opts: { mirror: boolean },
  ): Promise<ResolvedAction> {
    const q = new URLSearchParams({ owner, repo, ref, mirror: String(opts.mirror) });
    const found = await this.client
      .get<{ commit: string; source: string }>(`_runner/jobs/${this.jobId}/actions/resolve?${q}`)
      .catch((err: Error) => {
        throw new Error(`Action '${owner}/${repo}@${ref}': ${err.message.replace(/^\d+: /, "")}`);
      });
    const { commit, source } = found.body;
    if (!/^[0-9a-f]{40}$/.test(commit))
      throw new Error(`Action '${owner}/${repo}@${ref}': the server named no commit`);
    const dir = join(this.workDir, "actions", "checkouts", owner.toLowerCase(), repo.toLowerCase(), commit);
    if (!existsSync(dir)) await this.download(owner, repo, commit, dir);
    return { dir, commit, source };
  }

  /** The commit's files into `dir`, whole or not at all (extracted beside it, then renamed). */
  private async download(owner: string, repo: string, commit: string, dir: string): Promise<void> {
    const q = new URLSearchParams({ owner, repo, commit });
    const res = await this.client.download(`_runner/jobs/${this.jobId}/actions/archive?${q}`);
    const partial = `${dir}.partial-${process.pid}-${Date.now()}`;
    mkdirSync(partial, { recursive: true });
    try {
      const tar = spawn("tar", ["-C", partial, "-xf", "-", "--no-same-owner"], {
        stdio: ["pipe", "ignore", "pipe"],
      });
      let stderr = "";
      tar.stderr.on("data", (d: Buffer) => {
        stderr += d.toString();
      });
      const exited = new Promise<number>((resolve) => tar.on("close", (code) => resolve(code ?? 1)));
      if (!res.body) throw new Error("the server sent no archive");
      await pipeline(Readable.fromWeb(res.body as import("node:stream/web").ReadableStream), tar.stdin);
      const code = await exited;
      if (code !== 0) throw new Error(`extracting ${owner}/${repo}@${commit}: ${stderr.trim()}`);
      if (existsSync(dir)) return; // another slot got it first
      renameSync(partial, dir);
    } finally {
      rmSync(partial, { recursive: true, force: true });
    }
  }
}
