import { api, type RepoJson, repoPath } from "../api.js";
import { AccessProblem } from "../components/AccessProblem.js";
import { DeliveryMetrics } from "../components/DeliveryMetrics.js";
import { environmentsHref } from "../components/environment-links.js";
import { StatusIcon } from "../components/StatusIcon.js";
import {
  type DeploymentView,
  type EnvironmentView,
  HISTORY,
  loadEnvironments,
} from "../environments/load.js";
import { shortSha, timeAgo } from "../format.js";
import { useLive } from "../live.js";
import { Link, useTitle } from "../router.js";
import { useData } from "../use-data.js";

/** A deployment status's state as the run page's glyphs show states. */
const STATE_ICON: Record<string, string> = {
  success: "success",
  failure: "failure",
  error: "failure",
  inactive: "skipped",
  in_progress: "in_progress",
  queued: "queued",
  pending: "queued",
};

const STATE_LABEL: Record<string, string> = {
  success: "Active",
  failure: "Failed",
  error: "Error",
  inactive: "Inactive",
  in_progress: "Deploying",
  queued: "Queued",
  pending: "Pending",
};

function DeploymentState({ state, current }: { state: string; current?: boolean }) {
  // An earlier successful deployment the newer one has not marked inactive (a transient one) is no longer what runs.
  const label = state === "success" && !current ? "Succeeded" : (STATE_LABEL[state] ?? state);
  return (
    <span className="deployment-state">
      <StatusIcon state={STATE_ICON[state] ?? "queued"} /> {label}
    </span>
  );
}

/** The environment's protection rules, in a line. */
function rulesOf(v: EnvironmentView): string[] {
  const out: string[] = [];
  for (const r of v.environment.protection_rules) {
    if (r.type === "required_reviewers") {
      const names = (r.reviewers ?? []).map(
        (x) => x.reviewer.login ?? x.reviewer.name ?? x.reviewer.slug ?? "?",
      );
      out.push(
        `reviewers: ${names.join(", ") || "none"}${r.prevent_self_review ? " (not the run's own actor)" : ""}`,
      );
    } else if (r.type === "wait_timer") out.push(`wait timer: ${r.wait_timer} min`);
    else if (r.type === "branch_policy") out.push("deployment branches limited");
  }
  return out;
}

const runHref = (owner: string, repo: string, id: number) =>
  `/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/runs/${id}`;

/**
 * A repository's environments: the promotion path (in the order the workflows' `needs` deploy to
 * them) with what runs where and what waits where; then, for each, what commit runs there now,
 * since when, deployed and approved by whom, and its history of deployments.
 */
export function Environments({ owner, repo, focus }: { owner: string; repo: string; focus?: string }) {
  const fullName = `${owner}/${repo}`;
  useTitle(`Environments · ${fullName}`);
  const info = useData(() => api<RepoJson>(repoPath(owner, repo)), fullName);
  const data = useData(() => loadEnvironments(owner, repo), `environments:${fullName}`);
  useLive(
    data.reload,
    (e) =>
      e.type === "run:completed" ||
      e.type === "job:completed" ||
      e.type === "job:waiting" ||
      e.type === "job:started",
    1000,
  );
  const error = info.error ?? (data.data ? undefined : data.error);
  const shown = data.data?.environments.filter((v) => !focus || v.environment.name === focus) ?? [];
  return (
    <div className="environments-page">
      <nav className="crumbs" aria-label="Breadcrumbs">
        <Link to={`/runs?repo=${encodeURIComponent(fullName)}`}>{fullName}</Link>
        <span aria-hidden="true"> / </span>
        <span>Environments</span>
      </nav>
      <h1>Environments</h1>
      {error ? (
        <AccessProblem error={error} what={`repository ${fullName}`} />
      ) : !data.data ? (
        <p className="muted">Loading…</p>
      ) : data.data.environments.length === 0 ? (
        <div className="card empty-state" data-testid="no-environments">
          <h3>No environments yet</h3>
          <p>
            A job with <code>environment: NAME</code> creates its environment the first time it runs; an admin
            may also declare one beforehand (<code>PUT /api/v1{repoPath(owner, repo)}/environments/NAME</code>{" "}
            or the server's config file) with its protection rules.
          </p>
        </div>
      ) : (
        <>
          <section aria-labelledby="path-title">
            <h2 id="path-title">Promotion path</h2>
            <p className="muted small">
              {data.data.byNeeds
                ? "In the order the workflows' needs deploy to them."
                : "In the order they were first used."}
            </p>
            <ol className="promotion" aria-label="Promotion path">
              {data.data.environments.map((v, i) => (
                <Stage key={v.environment.id} owner={owner} repo={repo} v={v} first={i === 0} />
              ))}
            </ol>
          </section>
          {focus && (
            <p>
              Showing <strong>{focus}</strong> only.{" "}
              <Link to={environmentsHref(owner, repo)}>Show every environment</Link>
            </p>
          )}
          {shown.map((v) => (
            <EnvironmentSection key={v.environment.id} owner={owner} repo={repo} v={v} />
          ))}
        </>
      )}
    </div>
  );
}

/** One environment on the promotion path: what runs there, what waits there. */
function Stage({
  owner,
  repo,
  v,
  first,
}: {
  owner: string;
  repo: string;
  v: EnvironmentView;
  first: boolean;
}) {
  const name = v.environment.name;
  const deploying =
    v.history[0] &&
    v.history[0] !== v.current &&
    ["queued", "in_progress", "pending"].includes(v.history[0].state);
  return (
    <li className="stage-item">
      {!first && (
        <span className="stage-arrow" aria-hidden="true">
          →
        </span>
      )}
      <article className="card stage" aria-label={name} data-environment={name}>
        <h3>
          <Link to={environmentsHref(owner, repo, name)}>{name}</Link>
        </h3>
        {v.current ? (
          <p data-testid="stage-current">
            <StatusIcon state="success" /> <code>{shortSha(v.current.deployment.sha)}</code>{" "}
            <span className="muted small">{timeAgo(v.current.since)}</span>
          </p>
        ) : (
          <p className="muted small">Nothing deployed yet.</p>
        )}
        {deploying && (
          <p className="small">
            <StatusIcon state="in_progress" /> deploying <code>{shortSha(v.history[0].deployment.sha)}</code>
          </p>
        )}
        {v.waiting.length > 0 && (
          <ul className="stage-waiting" aria-label={`Waiting for ${name}`}>
            {v.waiting.map((r) => (
              <li key={r.id}>
                <StatusIcon state="waiting" />{" "}
                <Link to={runHref(owner, repo, r.id)}>
                  {r.name} #{r.run_number}
                </Link>{" "}
                <code className="small">{shortSha(r.head_sha)}</code>
              </li>
            ))}
          </ul>
        )}
      </article>
    </li>
  );
}

/** One environment: what runs there now, by whom, approved by whom; its history. */
function EnvironmentSection({ owner, repo, v }: { owner: string; repo: string; v: EnvironmentView }) {
  const name = v.environment.name;
  const id = `environment-${v.environment.id}`;
  const rules = rulesOf(v);
  const c = v.current;
  const run = v.currentRun;
  return (
    <section className="environment" aria-labelledby={id} data-environment={name}>
      <h2 id={id}>{name}</h2>
      {rules.length > 0 && <p className="muted small">Protection: {rules.join(" · ")}</p>}
      <dl className="facts card" aria-label={`What runs in ${name}`}>
        <div>
          <dt>Runs now</dt>
          <dd data-testid="current-commit">
            {c ? (
              <>
                <code>{shortSha(c.deployment.sha)}</code>{" "}
                <span className="muted">from {c.deployment.ref}</span>
              </>
            ) : (
              "Nothing deployed yet"
            )}
          </dd>
        </div>
        {c && (
          <>
            <div>
              <dt>Since</dt>
              <dd>
                <time dateTime={c.since} title={c.since}>
                  {timeAgo(c.since)}
                </time>
              </dd>
            </div>
            <div>
              <dt>Deployed by</dt>
              <dd data-testid="deployed-by">
                {run ? (
                  <>
                    {run.triggering_actor?.login ?? run.actor?.login} ·{" "}
                    <Link to={runHref(owner, repo, run.id)}>
                      {run.name} #{run.run_number}
                    </Link>
                  </>
                ) : (
                  (c.deployment.creator?.login ?? "—")
                )}
              </dd>
            </div>
            <div>
              <dt>Approved by</dt>
              <dd data-testid="approved-by">
                {v.approvals.filter((a) => a.state === "approved").length === 0
                  ? "No review was required"
                  : v.approvals
                      .filter((a) => a.state === "approved")
                      .map((a, i) => (
                        <span key={`${a.user?.login}-${i}`}>
                          {i > 0 && ", "}
                          {a.user?.login ?? "someone"}
                          {a.comment && <span className="muted"> (“{a.comment}”)</span>}
                        </span>
                      ))}
              </dd>
            </div>
            {c.url && (
              <div>
                <dt>URL</dt>
                <dd>
                  <a href={c.url} rel="noreferrer noopener" target="_blank">
                    {c.url}
                  </a>
                </dd>
              </div>
            )}
          </>
        )}
      </dl>
      {v.waiting.length > 0 && (
        <p data-testid="waiting-here">
          <StatusIcon state="waiting" /> Waiting to deploy here:{" "}
          {v.waiting.map((r, i) => (
            <span key={r.id}>
              {i > 0 && ", "}
              <Link to={runHref(owner, repo, r.id)}>
                {r.name} #{r.run_number}
              </Link>
            </span>
          ))}
        </p>
      )}
      <DeliveryMetrics owner={owner} repo={repo} name={name} />
      <History owner={owner} repo={repo} v={v} />
    </section>
  );
}

function History({ owner, repo, v }: { owner: string; repo: string; v: EnvironmentView }) {
  const name = v.environment.name;
  if (v.history.length === 0) return <p className="muted small">No deployments yet.</p>;
  return (
    <div className="table-scroll">
      <table className="card table deployments" aria-label={`Deployments to ${name}`}>
        <thead>
          <tr>
            <th scope="col">State</th>
            <th scope="col">Commit</th>
            <th scope="col">Ref</th>
            <th scope="col">When</th>
            <th scope="col">By</th>
            <th scope="col">Logs</th>
            <th scope="col">URL</th>
          </tr>
        </thead>
        <tbody>
          {v.history.map((h: DeploymentView) => (
            <tr key={h.deployment.id} data-deployment={h.deployment.id}>
              <td>
                <DeploymentState state={h.state} current={h === v.current} />
              </td>
              <td>
                <code>{shortSha(h.deployment.sha)}</code>
              </td>
              <td>{h.deployment.ref}</td>
              <td className="nowrap">
                <time dateTime={h.deployment.created_at} title={h.deployment.created_at}>
                  {timeAgo(h.deployment.created_at)}
                </time>
              </td>
              <td>{h.deployment.creator?.login ?? "—"}</td>
              <td>
                {/* The deploying job's log where the status names the job, else its run. */}
                {h.jobId ? (
                  <Link to={`/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/jobs/${h.jobId}`}>
                    View logs
                  </Link>
                ) : h.runId ? (
                  <Link to={runHref(owner, repo, h.runId)}>View run</Link>
                ) : (
                  "—"
                )}
              </td>
              <td>
                {h.url ? (
                  <a href={h.url} rel="noreferrer noopener" target="_blank">
                    {h.url}
                  </a>
                ) : (
                  "—"
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {v.more && <p className="muted small">The latest {HISTORY} deployments are listed.</p>}
    </div>
  );
}
