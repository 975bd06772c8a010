import { useMemo, useState } from "react";
import { ApiError, allJobs, api, type JobJson, type RunJson, repoPath } from "../api.js";
import { Annotations } from "../components/Annotations.js";
import { Artifacts } from "../components/Artifacts.js";
import { EnvironmentGate } from "../components/EnvironmentGate.js";
import { Graph } from "../components/Graph.js";
import { Problem } from "../components/Layout.js";
import { triggerText } from "../components/RunRow.js";
import { StatusIcon, stateLabel } from "../components/StatusIcon.js";
import { Summaries } from "../components/Summaries.js";
import { durationBetween, shortSha, stateOf, timeAgo } from "../format.js";
import { buildGraph, type GraphJobDef } from "../graph/model.js";
import { type LiveEvent, useLive } from "../live.js";
import { Link, useLocation, useTitle, withQuery } from "../router.js";
import { useData } from "../use-data.js";
import { useNow } from "../use-now.js";

interface Props {
  owner: string;
  repo: string;
  id: number;
}

/** A run: its pipeline graph (live), annotations, summaries, artifacts; cancel and re-run. */
export function Run({ owner, repo, id }: Props) {
  const { query } = useLocation();
  const base = `${repoPath(owner, repo)}/actions/runs/${id}`;
  const run = useData(() => api<RunJson>(base), base);
  const attempt = Number(query.get("attempt")) || run.data?.run_attempt || 0;
  const latest = !query.get("attempt") || attempt === run.data?.run_attempt;
  const jobs = useData(
    () => (attempt ? allJobs(`${base}/attempts/${attempt}/jobs`) : allJobs(`${base}/jobs`)),
    `${base}#${attempt}`,
  );
  // An earlier attempt shows its own status, times and problems (the run is its latest attempt).
  const earlier = latest ? 0 : attempt;
  const past = useData(
    () => (earlier ? api<RunJson>(`${base}/attempts/${earlier}`) : Promise.resolve(undefined)),
    `${base}/attempts/${earlier}`,
  );
  const graph = useData(
    () => api<{ jobs: GraphJobDef[] }>(`${base}/graph`).catch(() => ({ jobs: null })),
    `${base}/graph`,
  );
  useLive(
    (events) => {
      // A job held by (or let through) an environment's rules changes the run's status too.
      const ofRun = (e: LiveEvent) =>
        e.type.startsWith("run:") || e.type === "job:waiting" || e.type === "job:started";
      if (!events || events.some(ofRun)) run.reload();
      if (latest) jobs.reload();
    },
    (e) => e.runId === id,
    200,
  );
  const latestRun = run.data;
  const r = earlier ? past.data : latestRun;
  useTitle(r ? `${r.display_title} · ${r.name} #${r.run_number}` : `Run ${id}`);
  const active = !!r && r.status !== "completed";
  const now = useNow(active);
  const nodes = useMemo(
    () => buildGraph(graph.data?.jobs ?? null, jobs.data?.jobs ?? [], !active || !latest),
    [graph.data, jobs.data, active, latest],
  );
  if (run.error && !latestRun) return <Problem error={run.error} />;
  if (past.error && !r) return <Problem error={past.error} />;
  if (!r || !latestRun) return <p className="muted">Loading…</p>;
  const state = stateOf(r);
  const jobHref = (j: JobJson) => `/${owner}/${repo}/jobs/${j.id}`;
  return (
    <div className="run-page">
      <nav className="crumbs" aria-label="Breadcrumbs">
        <Link to={`/runs?repo=${encodeURIComponent(`${owner}/${repo}`)}`}>
          {owner}/{repo}
        </Link>
        <span aria-hidden="true"> / </span>
        <Link
          to={`/runs?repo=${encodeURIComponent(`${owner}/${repo}`)}&workflow=${encodeURIComponent(r.workflow_id)}`}
        >
          {r.name}
        </Link>
      </nav>
      <header className="run-head">
        <h1>
          <StatusIcon state={state} /> {r.display_title}{" "}
          <span className="muted">
            {r.name} #{r.run_number}
          </span>
        </h1>
        <RunActions
          run={latestRun}
          base={base}
          jobs={latest ? jobs.data?.jobs : undefined}
          onDone={run.reload}
        />
      </header>
      <dl className="facts card">
        <div>
          <dt>Status</dt>
          <dd data-testid="run-state">{stateLabel(state)}</dd>
        </div>
        <div>
          <dt>Triggered</dt>
          <dd>
            {triggerText(r)} · {timeAgo(r.created_at)}
          </dd>
        </div>
        <div>
          <dt>Commit</dt>
          <dd>
            <code>{shortSha(r.head_sha)}</code> on {r.head_branch}
          </dd>
        </div>
        <div>
          <dt>Workflow file</dt>
          <dd>
            <WorkflowFile base={base} path={r.path} />
          </dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>{durationBetween(r.run_started_at, active ? null : r.updated_at, now) || "—"}</dd>
        </div>
        {latestRun.run_attempt > 1 && (
          <div>
            <dt>Attempt</dt>
            <dd className="attempts">
              {Array.from({ length: latestRun.run_attempt }, (_, i) => i + 1).map((a) => (
                <Link
                  key={a}
                  to={`/${owner}/${repo}/runs/${id}${withQuery(query, { attempt: a === latestRun.run_attempt ? undefined : String(a) })}`}
                  aria-current={a === attempt ? "page" : undefined}
                >
                  #{a}
                </Link>
              ))}
            </dd>
          </div>
        )}
      </dl>
      {r.problems.length > 0 && (
        <section className="card problems" aria-label="Problems">
          <h2>Problems</h2>
          <ul>
            {r.problems.map((p) => (
              <li key={p} className="annotation level-error">
                <code>{p}</code>
              </li>
            ))}
          </ul>
        </section>
      )}
      {latest && (
        <EnvironmentGate
          owner={owner}
          repo={repo}
          base={base}
          runId={id}
          waiting={isWaiting(latestRun) || !!jobs.data?.jobs.some(isWaiting)}
          onDecided={() => {
            run.reload();
            jobs.reload();
          }}
        />
      )}
      <section aria-labelledby="graph-title">
        <h2 id="graph-title">Jobs</h2>
        {jobs.error && <Problem error={jobs.error} />}
        <Graph nodes={nodes} jobHref={jobHref} now={now} />
      </section>
      <Annotations base={base} runId={id} live={active || !latest} attempt={latest ? undefined : attempt} />
      <Summaries base={base} runId={id} attempt={latest ? undefined : attempt} />
      <Artifacts base={base} runId={id} done={!active} attempt={earlier || undefined} />
    </div>
  );
}

/** Held by an environment's protection rules (GitHub's status `waiting`). */
function isWaiting(x: { status: string }): boolean {
  return x.status === "waiting";
}

/** The run's workflow file as it was at the run's commit, shown as text when asked for. */
function WorkflowFile({ base, path }: { base: string; path: string }) {
  const [open, setOpen] = useState(false);
  const file = useData(
    () => (open ? api<string>(`${base}/workflow-file`) : Promise.resolve(undefined)),
    `${base}/workflow-file#${open}`,
  );
  return (
    <>
      <button type="button" className="link-button" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
        <code>{path}</code>
      </button>
      {open && file.error && <Problem error={file.error} />}
      {open && typeof file.data === "string" && (
        <pre className="workflow-file" aria-label={`${path} at this commit`}>
          <code>{file.data}</code>
        </pre>
      )}
    </>
  );
}

/** The jobs one may re-run on their own: one per top-level job (a matrix job's legs run again together). */
function rerunChoices(jobs: JobJson[]): { id: number; label: string }[] {
  const byTop = new Map<string, JobJson[]>();
  for (const j of jobs) {
    const top = j.job_key.split("/")[0];
    byTop.set(top, [...(byTop.get(top) ?? []), j]);
  }
  return [...byTop].map(([top, legs]) => ({
    id: legs[0].id,
    label: legs.length === 1 && legs[0].job_key === top ? legs[0].name : `${top} (${legs.length} jobs)`,
  }));
}

function RunActions({
  run,
  base,
  jobs,
  onDone,
}: {
  run: RunJson;
  base: string;
  /** The latest attempt's jobs (undefined on an earlier attempt: only the latest's re-run). */
  jobs?: JobJson[];
  onDone: () => void;
}) {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [picked, setPicked] = useState<number | null>(null);
  const act = async (what: string, path: string) => {
    setBusy(what);
    setError(null);
    try {
      await api(path, { method: "POST" });
      onDone();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(null);
    }
  };
  // A fork's run waiting for an admin's approval (action_required) is approved, not re-run.
  const waiting = run.status === "completed" && run.conclusion === "action_required";
  const done = run.status === "completed" && !waiting;
  const failed = done && (run.conclusion === "failure" || run.conclusion === "cancelled");
  const choices = rerunChoices(jobs ?? []);
  const jobId = choices.find((c) => c.id === picked)?.id ?? choices[0]?.id;
  return (
    <div className="actions">
      {waiting && (
        <button
          type="button"
          className="primary"
          disabled={!!busy}
          onClick={() => act("approve", `${base}/approve`)}
        >
          {busy === "approve" ? "Approving…" : "Approve and run"}
        </button>
      )}
      {!done && !waiting && (
        <button
          type="button"
          className="danger"
          disabled={!!busy}
          onClick={() => act("cancel", `${base}/cancel`)}
        >
          {busy === "cancel" ? "Cancelling…" : "Cancel run"}
        </button>
      )}
      {failed && (
        <button type="button" disabled={!!busy} onClick={() => act("failed", `${base}/rerun-failed-jobs`)}>
          {busy === "failed" ? "Starting…" : "Re-run failed jobs"}
        </button>
      )}
      {done && (
        <button
          type="button"
          className="primary"
          disabled={!!busy}
          onClick={() => act("all", `${base}/rerun`)}
        >
          {busy === "all" ? "Starting…" : "Re-run all jobs"}
        </button>
      )}
      {done && choices.length > 0 && (
        <span className="rerun-job">
          <select
            aria-label="Job to re-run"
            value={jobId ?? ""}
            onChange={(e) => setPicked(Number(e.target.value))}
          >
            {choices.map((c) => (
              <option key={c.id} value={c.id}>
                {c.label}
              </option>
            ))}
          </select>
          <button
            type="button"
            disabled={!!busy || jobId === undefined}
            onClick={() => act("job", `${base.replace(/\/runs\/\d+$/, "")}/jobs/${jobId}/rerun`)}
          >
            {busy === "job" ? "Starting…" : "Re-run job"}
          </button>
        </span>
      )}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
