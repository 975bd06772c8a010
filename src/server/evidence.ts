// Change evidence for an environment (src/delivery/evidence.ts shapes and flags it): the server
// gathers each deployment's commit from its clone, the pull request that brought it, the runs of
// that commit, the run that deployed it and the reviews of that run attempt for the environment.
import {
  type EvidenceApproval,
  type EvidenceFacts,
  type EvidenceRecord,
  type EvidenceRun,
  evidenceRecord,
} from "../delivery/index.js";
import type { Deployment, Repo, Run } from "../store/index.js";
import type { ServerContext } from "./context.js";
import { pageUrl } from "./github-shapes.js";

/** The deployments of one environment created within [since, until), oldest first. */
async function deploymentsOf(
  ctx: ServerContext,
  repo: Repo,
  environment: string,
  since: string | undefined,
  until: string | undefined,
): Promise<Deployment[]> {
  const out: Deployment[] = [];
  for (let page = 1; ; page++) {
    const { total, deployments } = await ctx.store.listDeployments({
      repoId: repo.id,
      environment,
      page,
      perPage: 100,
    });
    for (const d of deployments) {
      const at = Date.parse(d.createdAt);
      if (since !== undefined && at < Date.parse(since)) continue;
      if (until !== undefined && at >= Date.parse(until)) continue;
      out.push(d);
    }
    if (deployments.length === 0 || page * 100 >= total) break;
  }
  return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id - b.id);
}

function runFacts(base: string, repo: Repo, run: Run, attempt = run.runAttempt): EvidenceRun {
  return {
    id: run.id,
    workflow: run.workflowName,
    event: run.event,
    attempt,
    status: run.status,
    conclusion: run.conclusion,
    actor: run.actor,
    url: pageUrl(base, repo, `actions/runs/${run.id}`),
  };
}

/**
 * Every deployment of `environment` created within the window, with its evidence. Commits are
 * read from the server's clone (a commit it no longer has is null).
 */
export async function gatherEvidence(
  ctx: ServerContext,
  base: string,
  repo: Repo,
  environment: string,
  window: { since?: string; until?: string },
): Promise<EvidenceRecord[]> {
  const records: EvidenceRecord[] = [];
  const commits = new Map<string, Awaited<ReturnType<ServerContext["clones"]["commit"]>>>();
  for (const d of await deploymentsOf(ctx, repo, environment, window.since, window.until)) {
    if (!commits.has(d.sha)) commits.set(d.sha, await ctx.clones.commit(repo, d.sha).catch(() => undefined));
    const commit = commits.get(d.sha);
    // The pull request whose head (or test merge) is the commit, or, for a merge commit, one of its parents.
    let pull: EvidenceFacts["pullRequest"] = null;
    for (const sha of [d.sha, ...(commit?.parents.slice(1) ?? [])]) {
      const found = (await ctx.store.listPullRequests({ repoId: repo.id, state: "all", sha, perPage: 1 }))
        .pulls[0];
      if (found) {
        const change = await ctx.clones.commit(repo, found.headSha).catch(() => undefined);
        pull = {
          number: found.number,
          title: found.title,
          headRef: found.headRef,
          baseRef: found.baseRef,
          url: pageUrl(base, repo, `pulls/${found.number}`),
          author: change?.author ?? null,
        };
        break;
      }
    }
    const run = d.runId !== null ? await ctx.store.getRun(d.runId) : undefined;
    const commitRuns = (await ctx.store.listRuns({ repoId: repo.id, headSha: d.sha, perPage: 100 })).runs
      .map((r) => runFacts(base, repo, r))
      .sort((a, b) => a.id - b.id);
    const approvals: EvidenceApproval[] = [];
    if (run) {
      const key = environment.toLowerCase();
      for (const review of await ctx.store.listReviews(run.id)) {
        if (review.runAttempt !== d.runAttempt) continue;
        if (!review.environments.some((e) => e.name.toLowerCase() === key)) continue;
        const user = await ctx.store.getUserById(review.userId);
        approvals.push({
          state: review.state,
          user: review.userLogin,
          email: user?.email ?? null,
          comment: review.comment,
          at: review.createdAt,
          bypass: review.bypass,
        });
      }
    }
    const statuses = (await ctx.store.listDeploymentStatuses(d.id, 1, 100)).statuses;
    records.push(
      evidenceRecord({
        deployment: {
          id: d.id,
          environment: d.environment,
          ref: d.ref,
          sha: d.sha,
          createdAt: d.createdAt,
          state: d.state,
          url: statuses.find((s) => s.environmentUrl !== "")?.environmentUrl ?? null,
          creator: d.creator.login,
        },
        commit: commit
          ? { sha: commit.sha, message: commit.message, author: commit.author, authoredAt: commit.authoredAt }
          : null,
        pullRequest: pull,
        deployRun: run ? runFacts(base, repo, run, d.runAttempt ?? run.runAttempt) : null,
        commitRuns,
        approvals,
      }),
    );
  }
  return records;
}

/** A record as the API answers it (snake_case; approvers' e-mail addresses are never shown). */
export function evidenceJson(r: EvidenceRecord) {
  const run = (x: EvidenceRun) => ({
    id: x.id,
    workflow: x.workflow,
    event: x.event,
    run_attempt: x.attempt,
    status: x.status,
    conclusion: x.conclusion,
    actor: x.actor,
    html_url: x.url,
  });
  return {
    deployment_id: r.deployment.id,
    environment: r.deployment.environment,
    deployed_at: r.deployment.createdAt,
    state: r.deployment.state,
    environment_url: r.deployment.url,
    sha: r.deployment.sha,
    ref: r.deployment.ref,
    commit: r.commit && {
      sha: r.commit.sha,
      message: r.commit.message,
      author: r.commit.author,
      authored_at: r.commit.authoredAt,
    },
    pull_request: r.pullRequest && {
      number: r.pullRequest.number,
      title: r.pullRequest.title,
      head_ref: r.pullRequest.headRef,
      base_ref: r.pullRequest.baseRef,
      html_url: r.pullRequest.url,
      author: r.pullRequest.author,
    },
    triggered_by: r.triggeredBy,
    deploy_run: r.deployRun && run(r.deployRun),
    ci_runs: r.commitRuns.map(run),
    approvals: r.approvals.map((a) => ({
      state: a.state,
      user: a.user,
      comment: a.comment,
      submitted_at: a.at,
      bypass: a.bypass,
    })),
    flags: {
      approver_is_author: r.flags.approverIsAuthor,
      approver_is_triggering_actor: r.flags.approverIsTriggeringActor,
      unapproved: r.flags.unapproved,
    },
  };
}
