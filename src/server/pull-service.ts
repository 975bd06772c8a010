// Pull requests opened through gantry's API, between two branches of a registered repository, run as
// GitHub runs them: each `pull_request` event (opened, synchronize, reopened, closed, edited) runs on
// the test merge of head into base made in the server's clone (refs/pull/N/merge), with
// GITHUB_REF refs/pull/N/merge, GITHUB_HEAD_REF / GITHUB_BASE_REF, branch filters on the base and
// paths filters on the three-dot diff. When head and base conflict there is no merge commit and no
// run (GitHub runs no pull_request workflow then) and the pull request shows mergeable: false.
// A push to the head branch (seen by a poll, the hook or a webhook) is a `synchronize` on a new merge
// commit; a push to the base is not (GitHub sends none: the merge commit is made again only when head
// moves); deleting the head branch closes the pull request, as on GitHub.
import type { Json } from "../expressions/index.js";
import type { PullRequest, Repo, Run, Store } from "../store/index.js";
import {
  gitOut,
  makeMergeCommit,
  pullRequestChangedFiles,
  pullRequestEvent,
  pullRequestTargetEvent,
  type RepoEvent,
} from "../triggers/index.js";
import { repositoryPayload } from "./dispatch-event.js";
import { HttpError } from "./http-error.js";
import { pullRequestObject } from "./pull-shapes.js";
import type { RepoClones } from "./repo-clones.js";
import { Serial } from "./serial.js";

export interface PullServiceDeps {
  store: Store;
  clones: RepoClones;
  /** Starts the runs an event triggers (the server's RunService). */
  handleEvent(repo: Repo, event: RepoEvent): Promise<Run[]>;
  log(message: string): void;
}

export interface OpenPullRequest {
  head: string;
  base: string;
  title?: string;
  body?: string;
}

type Action = "opened" | "synchronize" | "reopened" | "closed" | "edited";

function now(): string {
  return new Date().toISOString();
}

/** GitHub's 422 answer: "Validation Failed" with the reason. */
function invalid(reason: string): HttpError {
  return new HttpError(422, "Validation Failed", [reason]);
}

export class PullService {
  private readonly queues = new Map<number, Serial>();

  constructor(private readonly deps: PullServiceDeps) {}

  /** Work on one repository's pull requests runs one piece at a time (an open never races a push). */
  private queue(repo: Repo): Serial {
    let q = this.queues.get(repo.id);
    if (!q) this.queues.set(repo.id, (q = new Serial()));
    return q;
  }

  private gitDir(repo: Repo): string {
    return this.deps.clones.path(repo);
  }

  private tip(repo: Repo, branch: string): string | undefined {
    return (
      gitOut(this.gitDir(repo), ["rev-parse", "-q", "--verify", `refs/heads/${branch}^{commit}`]) || undefined
    );
  }

  private async fetch(repo: Repo): Promise<void> {
    try {
      await this.deps.clones.sync(repo);
    } catch (err) {
      throw new HttpError(502, `The server could not fetch ${repo.url}: ${(err as Error).message}`);
    }
  }

  /** `owner:branch` (GitHub's form) or `branch`, as a branch of this repository. */
  private branchOf(repo: Repo, field: "head" | "base", given: string): string {
    const colon = given.indexOf(":");
    if (colon < 0) return given;
    if (given.slice(0, colon) !== repo.owner) {
      throw invalid(
        `${field}: '${given}' names another owner's repository; pull requests are within ${repo.owner}/${repo.name}`,
      );
    }
    return given.slice(colon + 1);
  }

  /** Makes the merge commit of the pull request's head and base; null on a conflict. */
  private merge(repo: Repo, number: number, baseSha: string, headSha: string): string | null {
    const gitDir = this.gitDir(repo);
    gitOut(gitDir, ["update-ref", `refs/pull/${number}/head`, headSha]);
    const sha = makeMergeCommit(gitDir, number, baseSha, headSha);
    if (!sha) gitOut(gitDir, ["update-ref", "-d", `refs/pull/${number}/merge`]);
    return sha ?? null;
  }

  private async refuseDuplicate(repo: Repo, head: string, base: string, except?: number): Promise<void> {
    const { pulls } = await this.deps.store.listPullRequests({
      repoId: repo.id,
      state: "open",
      headRef: head,
      baseRef: base,
    });
    const other = pulls.find((p) => p.number !== except);
    if (other) throw invalid(`A pull request already exists for ${repo.owner}:${head} (#${other.number}).`);
  }

  /** Opens a pull request of head into base and fires `opened` (see the top of this file). */
  open(repo: Repo, input: OpenPullRequest, sender: string): Promise<{ pull: PullRequest; runs: Run[] }> {
    return this.queue(repo).run(async () => {
      const head = this.branchOf(repo, "head", input.head);
      const base = this.branchOf(repo, "base", input.base);
      await this.fetch(repo);
      const headSha = this.tip(repo, head);
      if (!headSha) throw invalid(`head: no branch '${head}' in ${repo.owner}/${repo.name}`);
      const baseSha = this.tip(repo, base);
      if (!baseSha) throw invalid(`base: no branch '${base}' in ${repo.owner}/${repo.name}`);
      // GitHub's words for a head with nothing to merge (the same branch, or one already merged).
      const merged =
        gitOut(this.gitDir(repo), ["merge-base", "--is-ancestor", headSha, baseSha]) !== undefined;
      if (head === base || merged) throw invalid(`No commits between ${base} and ${head}`);
      await this.refuseDuplicate(repo, head, base);
      const created = await this.deps.store.createPullRequest({
        repoId: repo.id,
        title: input.title?.trim() || head,
        body: input.body ?? "",
        headRef: head,
        baseRef: base,
        headSha,
        baseSha,
        mergeCommitSha: null,
        mergeable: false,
      });
      const mergeCommitSha = this.merge(repo, created.number, baseSha, headSha);
      const pull = await this.save(created, { mergeCommitSha, mergeable: mergeCommitSha !== null });
      return { pull, runs: await this.fire(repo, pull, "opened", sender) };
    });
  }

  /** Closes, reopens or retitles a pull request (PATCH), firing closed, reopened or edited. */
  update(
    repo: Repo,
    number: number,
    patch: { state?: "open" | "closed"; title?: string; body?: string },
    sender: string,
  ): Promise<{ pull: PullRequest; runs: Run[] }> {
    return this.queue(repo).run(async () => {
      let pull = await this.deps.store.getPullRequest(repo.id, number);
      if (!pull) throw new HttpError(404, "Not Found: no such pull request");
      const runs: Run[] = [];
      const changes: { [key: string]: Json } = {};
      if (patch.title !== undefined && patch.title !== pull.title) changes.title = { from: pull.title };
      if (patch.body !== undefined && patch.body !== pull.body) changes.body = { from: pull.body };
      if (patch.state === "open" && pull.state === "closed") {
        await this.fetch(repo);
        const headSha = this.tip(repo, pull.headRef);
        if (!headSha) throw invalid(`state: cannot reopen: the head branch '${pull.headRef}' is gone`);
        const baseSha = this.tip(repo, pull.baseRef);
        if (!baseSha) throw invalid(`state: cannot reopen: the base branch '${pull.baseRef}' is gone`);
        await this.refuseDuplicate(repo, pull.headRef, pull.baseRef, pull.number);
        const mergeCommitSha = this.merge(repo, pull.number, baseSha, headSha);
        pull = await this.save(pull, {
          state: "open",
          closedAt: null,
          headSha,
          baseSha,
          mergeCommitSha,
          mergeable: mergeCommitSha !== null,
          title: patch.title,
          body: patch.body,
        });
        runs.push(...(await this.fire(repo, pull, "reopened", sender)));
      } else if (patch.state === "closed" && pull.state === "open") {
        pull = await this.save(pull, {
          state: "closed",
          closedAt: now(),
          title: patch.title,
          body: patch.body,
        });
        runs.push(...(await this.fire(repo, pull, "closed", sender)));
      } else if (Object.keys(changes).length > 0) {
        pull = await this.save(pull, { title: patch.title, body: patch.body });
        if (pull.state === "open") runs.push(...(await this.fire(repo, pull, "edited", sender, { changes })));
      }
      return { pull, runs };
    });
  }

  /**
   * A branch moved or went (an event the triggers saw): `synchronize` for the open pull requests
   * whose head it is; closed for those whose head was deleted. Never throws: failures are logged.
   */
  async onRefEvent(repo: Repo, event: RepoEvent): Promise<Run[]> {
    const deleted = event.name === "delete" && event.payload.ref_type === "branch";
    if (!(event.name === "push" && event.ref.startsWith("refs/heads/")) && !deleted) return [];
    const branch = deleted ? String(event.payload.ref) : event.ref.slice("refs/heads/".length);
    const sender = (event.payload.sender as { login?: string } | undefined)?.login ?? "gantry";
    try {
      return await this.queue(repo).run(async () => {
        const { pulls } = await this.deps.store.listPullRequests({
          repoId: repo.id,
          state: "open",
          headRef: branch,
          perPage: 100,
        });
        const runs: Run[] = [];
        for (let pull of pulls) {
          const headSha = deleted || event.payload.deleted === true ? undefined : this.tip(repo, branch);
          if (!headSha) {
            pull = await this.save(pull, { state: "closed", closedAt: now() });
            runs.push(...(await this.fire(repo, pull, "closed", sender)));
            continue;
          }
          if (headSha === pull.headSha) continue; // opened or synchronized at this commit already
          // The base as it is now: the new merge commit is of head into today's base.
          const baseSha = this.tip(repo, pull.baseRef) ?? pull.baseSha;
          const before = pull.headSha;
          const mergeCommitSha = this.merge(repo, pull.number, baseSha, headSha);
          pull = await this.save(pull, {
            headSha,
            baseSha,
            mergeCommitSha,
            mergeable: mergeCommitSha !== null,
          });
          runs.push(...(await this.fire(repo, pull, "synchronize", sender, { before, after: headSha })));
        }
        return runs;
      });
    } catch (err) {
      this.deps.log(`${repo.owner}/${repo.name}: pull requests of ${branch}: ${(err as Error).message}`);
      return [];
    }
  }

  private async save(
    pull: PullRequest,
    patch: Parameters<Store["updatePullRequest"]>[1],
  ): Promise<PullRequest> {
    await this.deps.store.updatePullRequest(pull.id, patch);
    return (await this.deps.store.getPullRequest(pull.repoId, pull.number)) as PullRequest;
  }

  /**
   * The pull_request event of an action, as GitHub sends it, started on the merge commit; and its
   * pull_request_target, on the base branch's head (which runs on a conflict too).
   */
  private async fire(
    repo: Repo,
    pull: PullRequest,
    action: Action,
    sender: string,
    extra: { [key: string]: Json } = {},
  ): Promise<Run[]> {
    const payload = {
      action,
      number: pull.number,
      ...extra,
      pull_request: pullRequestObject(pull, repo),
      repository: repositoryPayload(repo),
      sender: { login: sender },
    };
    // Both branches are this repository's: never a fork.
    const normalised = pullRequestEvent("github", "pull_request", payload, {
      number: pull.number,
      headRef: pull.headRef,
      headSha: pull.headSha,
      baseRef: pull.baseRef,
      repository: `${repo.owner}/${repo.name}`,
      fork: false,
    });
    const gitDir = this.gitDir(repo);
    const changedFiles = () => pullRequestChangedFiles(gitDir, pull.baseSha, pull.headSha);
    // pull_request_target first: the pull_request run then starts last, just before the answer.
    const target = pullRequestTargetEvent(normalised);
    const events: RepoEvent[] = [
      { ...target, sha: this.tip(repo, pull.baseRef) ?? pull.baseSha, changedFiles },
    ];
    // A conflict: GitHub runs no pull_request workflow (a closed one runs on the head commit).
    const sha = pull.mergeCommitSha ?? (action === "closed" ? pull.headSha : undefined);
    if (sha) events.push({ ...normalised, sha, changedFiles });
    else {
      this.deps.log(
        `${repo.owner}/${repo.name}: pull request #${pull.number} ${action}: '${pull.headRef}' does not merge cleanly into '${pull.baseRef}': no pull_request run`,
      );
    }
    const runs: Run[] = [];
    for (const event of events) {
      try {
        runs.push(...(await this.deps.handleEvent(repo, event)));
      } catch (err) {
        // The pull request stands; what failed to start is logged (the next push tries again).
        this.deps.log(
          `${repo.owner}/${repo.name}: pull request #${pull.number} ${action} (${event.name}): ${(err as Error).message}`,
        );
      }
    }
    return runs;
  }
}
