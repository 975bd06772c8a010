import type { RepoJson, RunJson } from "../api.js";
import { durationBetween, shortSha, stateOf, timeAgo } from "../format.js";
import { Link } from "../router.js";
import { StatusIcon } from "./StatusIcon.js";

export function runHref(run: Pick<RunJson, "id" | "repository">): string {
  return `/${run.repository.full_name}/runs/${run.id}`;
}

/** How a run was started: "push to main by dev", "workflow_dispatch on main". */
export function triggerText(run: RunJson): string {
  const on = run.event === "push" ? `push to ${run.head_branch}` : `${run.event} on ${run.head_branch}`;
  return `${on} by ${run.actor.login}`;
}

/** One run in a list: state, title, workflow and number, trigger, commit, when and how long. */
export function RunRow({ run, showRepo }: { run: RunJson; showRepo?: boolean; repo?: RepoJson }) {
  const state = stateOf(run);
  const end = run.status === "completed" ? run.updated_at : null;
  return (
    <li className="run-row">
      <StatusIcon state={state} />
      <div className="run-main">
        <Link to={runHref(run)} className="run-title">
          {run.display_title}
        </Link>
        <div className="muted small">
          {showRepo && <span>{run.repository.full_name} · </span>}
          <span>
            {run.name} #{run.run_number}
            {run.run_attempt > 1 ? ` (attempt ${run.run_attempt})` : ""}
          </span>
          {" · "}
          <span>{triggerText(run)}</span>
          {" · "}
          <code>{shortSha(run.head_sha)}</code>
        </div>
      </div>
      <div className="run-when muted small">
        <div title={run.created_at}>{timeAgo(run.created_at)}</div>
        <div>{durationBetween(run.run_started_at, end)}</div>
      </div>
    </li>
  );
}
