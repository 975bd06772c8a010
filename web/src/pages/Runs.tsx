import { type FormEvent, useEffect, useState } from "react";
import { api, type RepoJson, type RunJson, repoPath, type WorkflowJson } from "../api.js";
import { NoRuns } from "../components/EmptyState.js";
import { environmentsHref } from "../components/environment-links.js";
import { Problem } from "../components/Layout.js";
import { RunRow } from "../components/RunRow.js";
import { useLive } from "../live.js";
import { Link, navigate, useLocation, useTitle, withQuery } from "../router.js";
import { useData } from "../use-data.js";

const PER_PAGE = 30;
const EVENTS = [
  "push",
  "pull_request",
  "workflow_dispatch",
  "schedule",
  "repository_dispatch",
  "workflow_run",
];
const STATUSES = [
  "queued",
  "pending",
  "in_progress",
  "completed",
  "success",
  "failure",
  "cancelled",
  "skipped",
  "action_required",
];
const FILTERS = ["q", "workflow", "branch", "event", "status", "actor"] as const;

/** Runs: one repository's runs, filtered and paged by the server (fast with 10,000 runs). */
export function Runs() {
  useTitle("Runs");
  const { query } = useLocation();
  const repos = useData(() => api<RepoJson[]>("/repos"), "repos");
  const repoName = query.get("repo") ?? repos.data?.[0]?.full_name ?? "";
  const repo = repos.data?.find((r) => r.full_name === repoName);
  const page = Math.max(1, Number(query.get("page")) || 1);
  const params = new URLSearchParams({ per_page: String(PER_PAGE), page: String(page) });
  for (const f of FILTERS) {
    const v = query.get(f);
    if (v) params.set(f, v);
  }
  const base = repo ? `${repoPath(repo.owner, repo.name)}/actions` : "";
  const runs = useData(
    () =>
      repo
        ? api<{ total_count: number; workflow_runs: RunJson[] }>(`${base}/runs?${params}`)
        : Promise.resolve({ total_count: 0, workflow_runs: [] }),
    `${repoName}?${params}`,
  );
  const workflows = useData(
    () =>
      repo ? api<{ workflows: WorkflowJson[] }>(`${base}/workflows`) : Promise.resolve({ workflows: [] }),
    `wf:${repoName}`,
  );
  useLive(runs.reload, (e) => e.type.startsWith("run:"), 500);

  const go = (set: Record<string, string | undefined>) =>
    navigate(`/runs${withQuery(query, { page: undefined, ...set })}`);

  const [branch, setBranch] = useState(query.get("branch") ?? "");
  const [actor, setActor] = useState(query.get("actor") ?? "");
  const [search, setSearch] = useState(query.get("q") ?? "");
  useEffect(() => {
    setBranch(query.get("branch") ?? "");
    setActor(query.get("actor") ?? "");
    setSearch(query.get("q") ?? "");
  }, [query.get("branch"), query.get("actor"), query.get("q")]);
  const submitText = (e: FormEvent) => {
    e.preventDefault();
    go({ branch: branch.trim(), actor: actor.trim(), q: search.trim() || undefined });
  };

  // On a phone the filters fold away behind a button that says how many are set.
  const [unfolded, setUnfolded] = useState(false);
  const set = FILTERS.filter((f) => query.get(f)).length;

  if (repos.error) return <Problem error={repos.error} />;
  const total = runs.data?.total_count ?? 0;
  const pages = Math.max(1, Math.ceil(total / PER_PAGE));
  return (
    <div className="runs-page">
      <div className="repo-head">
        <h1>Runs</h1>
        {repo && (
          <Link className="button small" to={environmentsHref(repo.owner, repo.name)}>
            Environments<span className="sr-only"> of {repo.full_name}</span>
          </Link>
        )}
      </div>
      <button
        type="button"
        className="filters-toggle"
        aria-expanded={unfolded}
        aria-controls="run-filters"
        onClick={() => setUnfolded((u) => !u)}
      >
        Filters{set ? ` (${set})` : ""} <span aria-hidden="true">{unfolded ? "▾" : "▸"}</span>
      </button>
      <form
        id="run-filters"
        className={`filters${unfolded ? " unfolded" : ""}`}
        onSubmit={submitText}
        aria-label="Filter runs"
      >
        <div className="filter">
          <label htmlFor="f-repository">Repository</label>
          <select
            id="f-repository"
            value={repoName}
            onChange={(e) => navigate(`/runs?repo=${encodeURIComponent(e.target.value)}`)}
          >
            {repos.data?.map((r) => (
              <option key={r.id} value={r.full_name}>
                {r.full_name}
              </option>
            ))}
          </select>{" "}
        </div>
        <div className="filter">
          <label htmlFor="f-workflow">Workflow</label>
          <select
            id="f-workflow"
            value={query.get("workflow") ?? ""}
            onChange={(e) => go({ workflow: e.target.value })}
          >
            <option value="">All workflows</option>
            {workflows.data?.workflows.map((w) => (
              <option key={w.id} value={w.id}>
                {w.name}
              </option>
            ))}
          </select>{" "}
        </div>
        <div className="filter">
          <label htmlFor="f-event">Event</label>
          <select
            id="f-event"
            value={query.get("event") ?? ""}
            onChange={(e) => go({ event: e.target.value })}
          >
            <option value="">All events</option>
            {EVENTS.map((ev) => (
              <option key={ev}>{ev}</option>
            ))}
          </select>{" "}
        </div>
        <div className="filter">
          <label htmlFor="f-status">Status</label>
          <select
            id="f-status"
            value={query.get("status") ?? ""}
            onChange={(e) => go({ status: e.target.value })}
          >
            <option value="">Any status</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s.replace("_", " ")}
              </option>
            ))}
          </select>{" "}
        </div>
        <div className="filter">
          <label htmlFor="f-search">Search</label>
          <input
            id="f-search"
            type="search"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            placeholder="title, commit or actor"
          />{" "}
        </div>
        <div className="filter">
          <label htmlFor="f-branch">Branch</label>
          <input
            id="f-branch"
            value={branch}
            onChange={(e) => setBranch(e.target.value)}
            placeholder="any"
          />{" "}
        </div>
        <div className="filter">
          <label htmlFor="f-actor">Actor</label>
          <input
            id="f-actor"
            value={actor}
            onChange={(e) => setActor(e.target.value)}
            placeholder="anyone"
          />{" "}
        </div>
        <button type="submit">Filter</button>
      </form>
      {runs.error && <Problem error={runs.error} />}
      <p className="muted small" aria-live="polite">
        {runs.data ? `${total} run${total === 1 ? "" : "s"}` : "Loading…"}
      </p>
      {runs.data && total === 0 && repo && (
        <RunsEmpty
          repo={repo}
          filtered={FILTERS.some((f) => query.get(f))}
          onClear={() => navigate(`/runs?repo=${encodeURIComponent(repo.full_name)}`)}
        />
      )}
      <ul className="run-list card" hidden={total === 0}>
        {runs.data?.workflow_runs.map((run) => (
          <RunRow key={run.id} run={run} />
        ))}
      </ul>
      {pages > 1 && (
        <nav className="pager" aria-label="Pages">
          {page > 1 ? (
            <Link to={`/runs${withQuery(query, { page: String(page - 1) })}`}>← Newer</Link>
          ) : (
            <span />
          )}
          <span className="muted">
            Page {page} of {pages}
          </span>
          {page < pages ? (
            <Link to={`/runs${withQuery(query, { page: String(page + 1) })}`}>Older →</Link>
          ) : (
            <span />
          )}
        </nav>
      )}
    </div>
  );
}

/** No run to list: none matches the filters (offer to clear them), or the repository has none yet. */
function RunsEmpty({ repo, filtered, onClear }: { repo: RepoJson; filtered: boolean; onClear: () => void }) {
  if (!filtered) return <NoRuns repo={repo} />;
  return (
    <div className="card empty-state" data-testid="no-match">
      <h3>No runs match these filters</h3>
      <p>
        <button type="button" onClick={onClear}>
          Clear filters
        </button>
      </p>
    </div>
  );
}
