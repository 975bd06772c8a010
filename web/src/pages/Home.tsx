import { api, type RefJson, type RepoJson, type RunJson, repoPath, type WorkflowJson } from "../api.js";
import { NoRuns, NoWorkflows } from "../components/EmptyState.js";
import { environmentsHref } from "../components/environment-links.js";
import { Problem } from "../components/Layout.js";
import { RunRow, runHref } from "../components/RunRow.js";
import { StatusIcon } from "../components/StatusIcon.js";
import { stateOf, timeAgo } from "../format.js";
import { useLive } from "../live.js";
import { Link, useTitle } from "../router.js";
import { useData } from "../use-data.js";
import { settingsHref } from "./Settings.js";

interface RepoOverview {
  repo: RepoJson;
  workflows: WorkflowJson[];
  workflowsError?: string;
  recent: RunJson[];
  active: RunJson[];
  /** The repository's branches and tags now: a run's branch not among them was deleted. */
  refs: Set<string>;
}

type RunList = { total_count: number; workflow_runs: RunJson[] };

/** Every branch or tag name of a repository (GitHub pages them by 100 at most). */
async function refNames(repo: RepoJson, kind: "branches" | "tags"): Promise<string[]> {
  const names: string[] = [];
  for (let page = 1; ; page++) {
    const list = await api<RefJson[]>(`${repoPath(repo.owner, repo.name)}/${kind}?per_page=100&page=${page}`);
    names.push(...list.map((r) => r.name));
    if (list.length < 100) return names;
  }
}

async function loadOverview(): Promise<RepoOverview[]> {
  const repos = await api<RepoJson[]>("/repos");
  return Promise.all(
    repos.map(async (repo) => {
      const base = `${repoPath(repo.owner, repo.name)}/actions`;
      const [workflows, recent, running, queued, pending, branches, tags] = await Promise.all([
        api<{ workflows: WorkflowJson[] }>(`${base}/workflows`).then(
          (w) => ({ list: w.workflows, error: undefined }),
          (err: Error) => ({ list: [] as WorkflowJson[], error: err.message }),
        ),
        api<RunList>(`${base}/runs?per_page=100`),
        api<RunList>(`${base}/runs?status=in_progress&per_page=100`),
        api<RunList>(`${base}/runs?status=queued&per_page=100`),
        api<RunList>(`${base}/runs?status=pending&per_page=100`),
        refNames(repo, "branches"),
        refNames(repo, "tags"),
      ]);
      return {
        repo,
        workflows: workflows.list,
        workflowsError: workflows.error,
        recent: recent.workflow_runs,
        active: [...running.workflow_runs, ...queued.workflow_runs, ...pending.workflow_runs].sort(
          (a, b) => b.id - a.id,
        ),
        refs: new Set([...branches, ...tags]),
      };
    }),
  );
}

/** The latest run of each branch, newest first. */
function latestPerBranch(runs: RunJson[], path: string): RunJson[] {
  const seen = new Map<string, RunJson>();
  for (const run of runs) {
    if (run.path !== path) continue;
    if (!seen.has(run.head_branch)) seen.set(run.head_branch, run);
  }
  return [...seen.values()];
}

/** Home: each repository with its workflows and the latest result per branch; what runs now. */
export function Home() {
  useTitle("Overview");
  const { data, error, reload } = useData(loadOverview, "home");
  useLive(reload, (e) => e.type.startsWith("run:"), 500);
  if (error && !data) return <Problem error={error} />;
  if (!data) return <p className="muted">Loading…</p>;
  const active = data.flatMap((o) => o.active);
  return (
    <div className="home">
      <section aria-labelledby="now">
        <h1 id="now">Running now</h1>
        {active.length === 0 ? (
          <p className="muted">Nothing is running, queued or waiting.</p>
        ) : (
          <ul className="run-list card">
            {active.map((run) => (
              <RunRow key={run.id} run={run} showRepo />
            ))}
          </ul>
        )}
      </section>
      {data.length === 0 && (
        <p className="muted">
          No repositories yet: add them to the server's config file (<code>repos:</code>) or POST
          /api/v1/repos.
        </p>
      )}
      {data.map((o) => (
        <section key={o.repo.id} className="repo" aria-labelledby={`repo-${o.repo.id}`}>
          <div className="repo-head">
            <h2 id={`repo-${o.repo.id}`}>
              <Link to={`/runs?repo=${encodeURIComponent(o.repo.full_name)}`}>{o.repo.full_name}</Link>
            </h2>
            <Link className="button small" to={environmentsHref(o.repo.owner, o.repo.name)}>
              Environments<span className="sr-only"> of {o.repo.full_name}</span>
            </Link>
            {o.repo.permissions?.admin && (
              <Link className="button small" to={settingsHref(o.repo.owner, o.repo.name)}>
                Settings<span className="sr-only"> of {o.repo.full_name}</span>
              </Link>
            )}
          </div>
          {o.workflowsError && <p className="problem">{o.workflowsError}</p>}
          {!o.workflowsError && o.workflows.length === 0 && <NoWorkflows repo={o.repo} />}
          {o.workflows.length > 0 && o.recent.length === 0 && <NoRuns repo={o.repo} />}
          <div className="workflow-grid">
            {o.workflows.map((wf) => {
              const latest = latestPerBranch(o.recent, wf.path);
              const runsLink = `/runs?repo=${encodeURIComponent(o.repo.full_name)}&workflow=${encodeURIComponent(wf.id)}`;
              return (
                <article key={wf.path} className="card workflow">
                  <header className="workflow-head">
                    <h3>
                      <Link to={runsLink}>{wf.name}</Link>
                    </h3>
                    <span className="muted small">{wf.id}</span>
                    {wf.dispatch_inputs && (
                      <Link className="button small" to={`/${o.repo.full_name}/workflows/${wf.id}/dispatch`}>
                        Run workflow
                      </Link>
                    )}
                  </header>
                  {wf.problems.length > 0 && <p className="problem small">{wf.problems[0]}</p>}
                  {latest.length === 0 ? (
                    <p className="muted small">No runs yet.</p>
                  ) : (
                    <ul className="branches">
                      {latest.map((run) => (
                        <li key={run.head_branch}>
                          <StatusIcon state={stateOf(run)} />
                          <Link to={runHref(run)}>{run.head_branch}</Link>
                          {!run.event.startsWith("pull_request") && !o.refs.has(run.head_branch) && (
                            <span className="label" title="This branch no longer exists in the repository">
                              deleted
                            </span>
                          )}
                          <span className="muted small">
                            #{run.run_number} · {timeAgo(run.created_at)}
                          </span>
                        </li>
                      ))}
                    </ul>
                  )}
                </article>
              );
            })}
          </div>
        </section>
      ))}
    </div>
  );
}
