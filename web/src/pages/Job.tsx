import { useEffect, useMemo, useRef, useState } from "react";
import {
  allJobs,
  api,
  type JobJson,
  type RunJson,
  readLines,
  readText,
  repoPath,
  streamUrl,
} from "../api.js";
import { Problem } from "../components/Layout.js";
import { LogView } from "../components/LogView.js";
import { logStepState } from "../components/log-step-state.js";
import { StatusIcon, stateLabel } from "../components/StatusIcon.js";
import { silentSteps } from "../components/silent-steps.js";
import { durationBetween, stateOf } from "../format.js";
import { type LiveEvent, useLive } from "../live.js";
import { LogModel } from "../log/log-model.js";
import { Link, useLocation, useTitle } from "../router.js";
import { useData } from "../use-data.js";
import { useNow } from "../use-now.js";

interface Props {
  owner: string;
  repo: string;
  id: number;
}

/**
 * The log of a job: read whole once it has finished, else followed live (SSE) from its first line.
 * Lines arriving in a burst are drawn once per frame.
 */
function useJobLog(
  path: string,
  done: boolean | undefined,
): { model: LogModel; version: number; ended: boolean } {
  const [state, setState] = useState(() => ({ model: new LogModel(), version: 0, ended: false }));
  useEffect(() => {
    if (done === undefined) return;
    const model = new LogModel();
    let frame = 0;
    const draw = (ended = false) => {
      if (frame) cancelAnimationFrame(frame);
      frame = 0;
      setState({ model, version: model.version, ended });
    };
    const later = () => {
      if (!frame) frame = requestAnimationFrame(() => draw());
    };
    setState({ model, version: 0, ended: false });
    if (done) {
      const abort = new AbortController();
      // Chunks come faster than frames: after 50 ms of reading, draw what is read and let the
      // browser paint it before reading on, so the first screen shows while the rest loads.
      let since = performance.now();
      readLines(
        `${path}/logs`,
        async (lines) => {
          for (const l of lines) model.push(l);
          if (performance.now() - since < 50) return;
          draw();
          await new Promise((r) => setTimeout(r, 0));
          since = performance.now();
        },
        abort.signal,
      ).then(
        () => {
          model.finish();
          draw(true);
        },
        () => undefined,
      );
      return () => {
        abort.abort();
        if (frame) cancelAnimationFrame(frame);
      };
    }
    const source = new EventSource(streamUrl(`${path}/logs`, { follow: "1" }));
    source.addEventListener("line", (m) => {
      model.push((m as MessageEvent<string>).data);
      later();
    });
    source.addEventListener("end", () => {
      source.close();
      model.finish();
      draw(true);
    });
    return () => {
      source.close();
      if (frame) cancelAnimationFrame(frame);
    };
  }, [path, done]);
  return state;
}

/** A job: its steps with state and duration, and its log (ANSI colours, groups, search, live tail). */
export function Job({ owner, repo, id }: Props) {
  const { hash } = useLocation();
  const path = `${repoPath(owner, repo)}/actions/jobs/${id}`;
  const job = useData(() => api<JobJson>(path), path);
  const j = job.data;
  const run = useData(
    () =>
      j ? api<RunJson>(`${repoPath(owner, repo)}/actions/runs/${j.run_id}`) : Promise.resolve(undefined),
    `run:${j?.run_id}`,
  );
  // Whether the log is complete decides how it is read; fixed once known, so the reader is not restarted.
  const done = useRef<boolean | undefined>(undefined);
  if (j && done.current === undefined) done.current = j.status === "completed";
  const log = useJobLog(path, done.current);
  const [live, setLive] = useState<Record<string, string>>({});
  useLive(
    (events) => {
      if (!events) return job.reload();
      const ended: Record<string, string> = {};
      for (const e of events)
        if (e.type === "step:completed" && e.name) ended[e.name as string] = String(e.conclusion);
      if (Object.keys(ended).length > 0) setLive((s) => ({ ...s, ...ended }));
      const changed = (e: LiveEvent) =>
        e.type.startsWith("step:") ||
        e.type === "job:completed" ||
        e.type === "run:completed" ||
        e.type === "job:started";
      if (events.some(changed)) job.reload();
    },
    (e) =>
      !!j &&
      e.runId === j.run_id &&
      (!e.jobKey || e.jobKey.endsWith(`/${j.job_key}`) || e.type === "run:completed"),
    0,
  );
  useEffect(() => {
    if (log.ended) job.reload();
  }, [log.ended, job.reload]);
  useTitle(j ? j.name : `Job ${id}`);
  const running = !!j && j.status !== "completed";
  const now = useNow(running);

  const steps = log.model.steps;
  // The state of each step of the log: the stored steps once the job is over, else the live events.
  const stepState = useMemo(() => {
    const stored = j?.steps ?? [];
    return (index: number) => logStepState(index, steps, stored, live, j);
  }, [j, steps, live, running, log.version]);
  const failing = useMemo(() => {
    const open: number[] = [];
    steps.forEach((s, i) => {
      if (stepState(i) === "failure") open.push(i);
    });
    if (running && steps.length > 0) open.push(steps.length - 1);
    // A failed job whose steps say nothing of it (a runner lost, a timeout): its last step, once read.
    if (
      open.length === 0 &&
      log.ended &&
      j?.status === "completed" &&
      j.conclusion !== "success" &&
      steps.length > 0
    )
      open.push(steps.length - 1);
    return open;
  }, [steps, stepState, running, j, log.version]);
  const line = /^#L(\d+)$/.exec(hash);
  // Every step of the job: the API lists those the log does not hold yet (queued) or ever (skipped).
  // A finished job's log is read whole first: until then its steps would show as never started.
  const logKnown = log.ended || done.current === false;
  const silent = useMemo(
    () =>
      logKnown
        ? silentSteps(
            (j?.steps ?? []).map((s) => ({ name: s.name, number: s.number, state: stateOf(s) })),
            steps,
          )
        : [],
    [j, steps, log.version, logKnown],
  );
  const [timestamps, setTimestamps] = useState(false);

  if (job.error && !j) return <Problem error={job.error} />;
  if (!j) return <p className="muted">Loading…</p>;
  const state = stateOf(j);
  const r = run.data;
  return (
    <div className="job-page">
      <nav className="crumbs" aria-label="Breadcrumbs">
        <Link to={`/runs?repo=${encodeURIComponent(`${owner}/${repo}`)}`}>
          {owner}/{repo}
        </Link>
        <span aria-hidden="true"> / </span>
        <Link to={`/${owner}/${repo}/runs/${j.run_id}`}>
          {r ? `${r.name} #${r.run_number}` : `Run ${j.run_id}`}
        </Link>
      </nav>
      <header className="run-head">
        <h1>
          <StatusIcon state={state} /> {j.name}
        </h1>
        <span className="muted" data-testid="job-state">
          {stateLabel(state)}
          {j.started_at ? ` · ${durationBetween(j.started_at, j.completed_at, now)}` : ""}
          {j.runner_name ? ` · on ${j.runner_name}` : ""}
          {j.run_attempt > 1 ? ` · attempt ${j.run_attempt}` : ""}
        </span>
      </header>
      {j.failure_reason && <p className="problem">{j.failure_reason}</p>}
      {state === "waiting" && (
        <p data-testid="job-waiting">
          <StatusIcon state="waiting" /> This job waits on its environment's protection rules:{" "}
          <Link to={`/${owner}/${repo}/runs/${j.run_id}`}>see who may approve it on the run's page</Link>.
        </p>
      )}
      <div className="job-layout">
        <RunJobs owner={owner} repo={repo} job={j} />
        <section aria-label="Steps">
          <div className="job-tools">
            <label className="check">
              <input type="checkbox" checked={timestamps} onChange={(e) => setTimestamps(e.target.checked)} />
              Show timestamps
            </label>
            <button type="button" onClick={() => openRawLog(path)}>
              View raw log
            </button>
            <button type="button" onClick={() => downloadLog(path, j.name)}>
              Download log
            </button>
          </div>
          {log.version === 0 && !running && steps.length === 0 && silent.length === 0 ? (
            <p className="muted">{log.ended ? "This job wrote no log." : "Loading the log…"}</p>
          ) : (
            <LogView
              key={`${path}:${String(done.current)}`}
              model={log.model}
              version={log.version}
              stepState={stepState}
              initiallyOpen={failing}
              live={running && !log.ended}
              now={now}
              initialLine={line ? Number(line[1]) : null}
              complete={log.ended}
              silent={silent}
              timestamps={timestamps}
            />
          )}
        </section>
      </div>
    </div>
  );
}

/** The run's jobs beside the log, as GitHub's job page lists them; this one marked. */
function RunJobs({ owner, repo, job }: { owner: string; repo: string; job: JobJson }) {
  const path = `${repoPath(owner, repo)}/actions/runs/${job.run_id}/attempts/${job.run_attempt}/jobs`;
  const jobs = useData(() => allJobs(path), path);
  useLive(
    () => jobs.reload(),
    (e) => e.runId === job.run_id && e.type.startsWith("job:"),
    200,
  );
  return (
    <nav className="card job-side" aria-label="Jobs of the run">
      <h2>Jobs</h2>
      <ul className="job-list">
        {(jobs.data?.jobs ?? [job]).map((x) => (
          <li key={x.id}>
            <Link
              to={`/${owner}/${repo}/jobs/${x.id}`}
              aria-current={x.id === job.id ? "page" : undefined}
              title={x.name}
            >
              <StatusIcon state={stateOf(x)} />
              {x.name}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** The raw log (timestamps and all) in a new tab; read with the token, shown from memory. */
function openRawLog(path: string): void {
  // Opened now, while the click counts as the user's: a tab opened after the read would be blocked.
  const tab = window.open("", "_blank");
  readText(`${path}/logs`).then(
    (text) => {
      const url = URL.createObjectURL(new Blob([text], { type: "text/plain; charset=utf-8" }));
      if (tab) tab.location.href = url;
    },
    () => tab?.close(),
  );
}

/** The raw log saved as `<job name>.txt`. */
function downloadLog(path: string, name: string): void {
  readText(`${path}/logs`).then(
    (text) => {
      const url = URL.createObjectURL(new Blob([text], { type: "text/plain; charset=utf-8" }));
      const a = document.createElement("a");
      a.href = url;
      a.download = `${name.replace(/[^\w.,() -]+/g, "_")}.txt`;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    },
    () => undefined,
  );
}
