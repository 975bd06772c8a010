import { type FormEvent, useState } from "react";
import { type ApprovalJson, api, type PendingDeploymentJson } from "../api.js";
import { reviewerNames, timerLeft } from "../environments/pending.js";
import { formatDuration, timeAgo } from "../format.js";
import { useLive } from "../live.js";
import { Link } from "../router.js";
import { useData } from "../use-data.js";
import { useNow } from "../use-now.js";
import { refusal } from "./AccessProblem.js";
import { environmentsHref } from "./environment-links.js";
import { StatusIcon } from "./StatusIcon.js";

interface Props {
  owner: string;
  repo: string;
  /** The run's API path (…/actions/runs/{id}). */
  base: string;
  runId: number;
  /** Whether the run (or one of its jobs) waits on an environment's protection rules now. */
  waiting: boolean;
  /** Called once a decision was taken (the run's status changes). */
  onDecided: () => void;
}

/**
 * A run's environments and their reviews: while it waits, the environments it waits on, who may
 * approve, the rules still pending (the wait timer counting down), and Approve / Reject with a
 * comment for those allowed (GitHub's GET/POST …/pending_deployments); then the decisions taken,
 * with their comments (…/approvals).
 */
export function EnvironmentGate({ owner, repo, base, runId, waiting, onDecided }: Props) {
  const pending = useData(
    () => (waiting ? api<PendingDeploymentJson[]>(`${base}/pending_deployments`) : Promise.resolve([])),
    `${base}/pending_deployments#${waiting}`,
  );
  // A server without the route (or a run without environments) has no history to show.
  const approvals = useData(
    () => api<ApprovalJson[]>(`${base}/approvals`).catch(() => [] as ApprovalJson[]),
    `${base}/approvals`,
  );
  useLive(
    () => {
      pending.reload();
      approvals.reload();
    },
    (e) =>
      e.runId === runId &&
      (e.type.startsWith("run:") || e.type === "job:waiting" || e.type === "job:started"),
    300,
  );
  const list = waiting ? (pending.data ?? []) : [];
  const now = useNow(list.some((p) => (timerLeft(p, Date.now()) ?? 0) > 0));
  const history = approvals.data ?? [];
  if (list.length === 0 && history.length === 0 && !pending.error) return null;
  const allowed = list.filter((p) => p.current_user_can_approve);
  return (
    <>
      {waiting && (list.length > 0 || pending.error) && (
        <section className="card gate" aria-labelledby="gate-title" data-testid="environment-gate">
          <h2 id="gate-title">
            <StatusIcon state="waiting" /> Waiting on {list.length === 1 ? "an environment" : "environments"}
          </h2>
          {pending.error && (
            <p className="problem" role="alert">
              {refusal(pending.error)}
            </p>
          )}
          <ul className="gate-list">
            {list.map((p) => (
              <PendingRow key={p.environment.id} owner={owner} repo={repo} p={p} now={now} />
            ))}
          </ul>
          {allowed.length > 0 ? (
            <ReviewForm
              base={base}
              allowed={allowed}
              onDecided={() => {
                pending.reload();
                approvals.reload();
                onDecided();
              }}
            />
          ) : (
            list.length > 0 && (
              <p className="muted small" data-testid="not-a-reviewer">
                You are not among the reviewers of{" "}
                {list.length === 1 ? "this environment" : "these environments"}: one of them approves or
                rejects the deployment.
              </p>
            )
          )}
        </section>
      )}
      {history.length > 0 && (
        <section className="card reviews" aria-labelledby="reviews-title">
          <h2 id="reviews-title">Reviews</h2>
          <ul>
            {history.map((a, i) => (
              // The history has no ids: its order is the server's and does not change.
              <li key={i} className="review" data-state={a.state}>
                <StatusIcon
                  state={a.state === "approved" ? "success" : a.state === "rejected" ? "failure" : "waiting"}
                />
                <div>
                  <p>
                    <strong>{a.user?.login ?? "someone"}</strong> {a.state}{" "}
                    {a.environments.map((e, j) => (
                      <span key={e.id}>
                        {j > 0 && ", "}
                        <Link to={environmentsHref(owner, repo, e.name)}>{e.name}</Link>
                      </span>
                    ))}
                    {a.bypass && <span className="label">admin bypass</span>}
                    {a.created_at && <span className="muted small"> · {timeAgo(a.created_at)}</span>}
                  </p>
                  {a.comment && <blockquote className="review-comment">{a.comment}</blockquote>}
                </div>
              </li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}

/** One environment the run waits on: who may approve, and the wait timer's time left. */
function PendingRow({
  owner,
  repo,
  p,
  now,
}: {
  owner: string;
  repo: string;
  p: PendingDeploymentJson;
  now: number;
}) {
  const names = reviewerNames(p.reviewers);
  const left = timerLeft(p, now);
  return (
    <li className="gate-env" data-environment={p.environment.name}>
      <strong>
        <Link to={environmentsHref(owner, repo, p.environment.name)}>{p.environment.name}</Link>
      </strong>
      <ul className="gate-rules">
        {names.length > 0 && !p.approved && (
          <li>
            Review by one of: <span data-testid="reviewers">{names.join(", ")}</span>
          </li>
        )}
        {p.approved && <li>Approved by a reviewer.</li>}
        {left !== undefined && (
          <li data-testid="wait-timer">
            Wait timer of {p.wait_timer} minute{p.wait_timer === 1 ? "" : "s"}:{" "}
            {left > 0 ? <strong>{formatDuration(left)} left</strong> : "passed"}
          </li>
        )}
        {names.length === 0 && left === undefined && <li>No rule is pending.</li>}
      </ul>
    </li>
  );
}

/** Approve or reject the environments the caller may review, with a comment. */
function ReviewForm({
  base,
  allowed,
  onDecided,
}: {
  base: string;
  allowed: PendingDeploymentJson[];
  onDecided: () => void;
}) {
  const [unpicked, setUnpicked] = useState<ReadonlySet<number>>(new Set());
  const [comment, setComment] = useState("");
  const [busy, setBusy] = useState<"approved" | "rejected" | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const picked = allowed.filter((p) => !unpicked.has(p.environment.id));

  async function decide(state: "approved" | "rejected") {
    if (picked.length === 0) {
      setProblem("Pick at least one environment.");
      return;
    }
    setBusy(state);
    setProblem(null);
    setDone(null);
    try {
      await api(`${base}/pending_deployments`, {
        method: "POST",
        json: { environment_ids: picked.map((p) => p.environment.id), state, comment },
      });
      const names = picked.map((p) => p.environment.name).join(", ");
      setDone(state === "approved" ? `Approved: ${names}.` : `Rejected: ${names}.`);
      setComment("");
      onDecided();
    } catch (err) {
      setProblem(refusal(err));
    } finally {
      setBusy(null);
    }
  }

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void decide("approved");
  };

  return (
    <form className="review-form" onSubmit={submit} aria-label="Review deployments">
      {allowed.length > 1 && (
        <fieldset className="gate-pick">
          <legend>Environments to review</legend>
          {allowed.map((p) => (
            <label key={p.environment.id} className="check">
              <input
                type="checkbox"
                checked={!unpicked.has(p.environment.id)}
                onChange={(e) =>
                  setUnpicked((s) => {
                    const next = new Set(s);
                    if (e.target.checked) next.delete(p.environment.id);
                    else next.add(p.environment.id);
                    return next;
                  })
                }
              />{" "}
              {p.environment.name}
            </label>
          ))}
        </fieldset>
      )}
      <label htmlFor="review-comment">Comment</label>
      <textarea
        id="review-comment"
        rows={3}
        value={comment}
        onChange={(e) => setComment(e.target.value)}
        placeholder="Why (kept with the decision, in the run's reviews and the audit trail)"
      />
      {problem && (
        <p className="field-error" role="alert">
          {problem}
        </p>
      )}
      {done && (
        <p className="notice" role="status">
          {done}
        </p>
      )}
      <div className="form-row">
        <button type="submit" className="primary" disabled={!!busy}>
          {busy === "approved" ? "Approving…" : "Approve and deploy"}
        </button>
        <button type="button" className="danger" disabled={!!busy} onClick={() => decide("rejected")}>
          {busy === "rejected" ? "Rejecting…" : "Reject"}
        </button>
      </div>
    </form>
  );
}
