// The runners of a repository or of the whole server, as the runners API answers them: each one's
// name, labels, status, what it runs now (links to the jobs) and a button to remove it; and a
// registration token for `gantry runner`, shown once.
import { useEffect, useState } from "react";
import type { RunnerJson } from "../../../src/server/runner-schemas.js";
import { api } from "../api.js";
import { timeAgo } from "../format.js";
import { Link } from "../router.js";
import { useData } from "../use-data.js";
import { AccessProblem, refusal } from "./AccessProblem.js";

export type { RunnerJson };

/** How often the list is asked again, so that status and busy stay current. */
const REFRESH_MS = 5000;

/** Every runner of a list (GitHub pages them by 100 at most). */
async function allRunners(path: string): Promise<RunnerJson[]> {
  const all: RunnerJson[] = [];
  for (let page = 1; ; page++) {
    const list = await api<{ total_count: number; runners: RunnerJson[] }>(
      `${path}?per_page=100&page=${page}`,
    );
    all.push(...list.runners);
    if (list.runners.length < 100 || all.length >= list.total_count) return all;
  }
}

/** A job's page in this UI from its html_url (same origin), else the URL as it is. */
function jobHref(htmlUrl: string): string {
  const url = new URL(htmlUrl, location.origin);
  return url.origin === location.origin ? url.pathname : htmlUrl;
}

interface RegistrationToken {
  token: string;
  expires_at: string;
}

/** A registration token just made, with the command that registers a runner machine with it. */
function TokenShownOnce({ made, onDone }: { made: RegistrationToken; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  const command = `gantry runner --server ${location.origin} --token ${made.token}`;
  return (
    <section className="card token-once" aria-labelledby="registration-token-title">
      <h3 id="registration-token-title">New registration token</h3>
      <p>
        Run this on the runner machine (add <code>--labels a,b</code>, <code>--slots N</code>,{" "}
        <code>--name N</code> as needed). The token registers any number of runners until{" "}
        {new Date(made.expires_at).toLocaleString()}; it is shown this once, and the server keeps only its
        hash.
      </p>
      <div className="token-value">
        <code data-testid="registration-command">{command}</code>
        <button
          type="button"
          onClick={() =>
            navigator.clipboard?.writeText(command).then(
              () => setCopied(true),
              () => setCopied(false),
            )
          }
        >
          {copied ? "Copied" : "Copy"}
        </button>
        <button type="button" onClick={onDone}>
          Done
        </button>
      </div>
    </section>
  );
}

/**
 * The runners at `path` (…/actions/runners): a table kept current, Remove (after a confirmation) on
 * each runner machine, and New registration token (`path`/registration-token). `what` names the
 * list in messages ("the runners of acme/app"); `showRepository` adds the column of whose jobs
 * each runs (the server-wide list).
 */
export function RunnerList({
  path,
  what,
  showRepository = false,
}: {
  path: string;
  what: string;
  showRepository?: boolean;
}) {
  const list = useData(() => allRunners(path), `runners:${path}`);
  const [problem, setProblem] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [made, setMade] = useState<RegistrationToken | null>(null);
  const { reload } = list;

  useEffect(() => {
    const timer = setInterval(reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload]);

  async function remove(r: RunnerJson) {
    const running = r.busy
      ? " It is running a job now: that job fails, or runs again elsewhere, as for a lost runner."
      : "";
    if (!confirm(`Remove the runner ${r.name}? Its credential stops working at once.${running}`)) return;
    setBusy(true);
    setProblem(null);
    setDone(null);
    try {
      await api(`${path}/${r.id}`, { method: "DELETE" });
      setDone(`Runner ${r.name} removed.`);
      reload();
    } catch (err) {
      setProblem(refusal(err));
    } finally {
      setBusy(false);
    }
  }

  async function newToken() {
    setBusy(true);
    setProblem(null);
    setDone(null);
    try {
      setMade(await api<RegistrationToken>(`${path}/registration-token`, { method: "POST" }));
    } catch (err) {
      setProblem(refusal(err));
    } finally {
      setBusy(false);
    }
  }

  if (list.error && !list.data) return <AccessProblem error={list.error} what={what} />;
  return (
    <>
      {problem && (
        <p className="problem" role="alert">
          {problem}
        </p>
      )}
      {done && (
        <p className="notice" role="status">
          {done}
        </p>
      )}
      {!list.data ? (
        <p className="muted">Loading…</p>
      ) : list.data.length === 0 ? (
        <p className="muted">No runners yet: make a registration token below and start one.</p>
      ) : (
        <div className="table-scroll">
          <table className="card table runners-table" aria-label="Runners">
            <thead>
              <tr>
                <th scope="col">Name</th>
                {showRepository && <th scope="col">Runs jobs of</th>}
                <th scope="col">Labels</th>
                <th scope="col">Status</th>
                <th scope="col">Running now</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((r) => (
                <tr key={r.id} data-runner={r.name}>
                  <td>
                    <strong>{r.name}</strong>
                    {r.built_in && <span className="label built-in">built-in</span>}
                    <div className="muted small">
                      {r.os} {r.arch} · {r.slots} {r.slots === 1 ? "slot" : "slots"}
                      {r.version && ` · gantry ${r.version}`}
                    </div>
                  </td>
                  {showRepository && (
                    <td>{r.repository ?? <span className="muted">every repository</span>}</td>
                  )}
                  <td className="labels">
                    {r.labels.map((l) => (
                      <span
                        key={l.id}
                        className="label"
                        title={l.type === "read-only" ? "default label" : "custom label"}
                      >
                        {l.name}
                      </span>
                    ))}
                  </td>
                  <td className="labels">
                    <span
                      className={r.status === "online" ? "label label-success" : "label"}
                      title={r.last_seen_at ? `last seen ${timeAgo(r.last_seen_at)}` : undefined}
                    >
                      {r.status}
                    </span>
                    {r.draining && <span className="label">draining</span>}
                  </td>
                  <td>
                    {r.jobs.length > 0 ? (
                      <ul className="runner-jobs">
                        {r.jobs.map((j) => (
                          <li key={j.id}>
                            <Link to={jobHref(j.html_url)}>{j.name}</Link>{" "}
                            <span className="muted small">
                              {j.repository} · run {j.run_id}
                            </span>
                          </li>
                        ))}
                      </ul>
                    ) : r.busy ? (
                      <span>busy</span>
                    ) : (
                      <span className="muted">idle</span>
                    )}
                  </td>
                  <td className="row-actions">
                    {!r.built_in && (
                      <button type="button" className="danger" disabled={busy} onClick={() => remove(r)}>
                        Remove<span className="sr-only"> {r.name}</span>
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {made ? (
        <TokenShownOnce made={made} onDone={() => setMade(null)} />
      ) : (
        <p>
          <button type="button" className="primary" disabled={busy} onClick={newToken}>
            New registration token
          </button>
        </p>
      )}
    </>
  );
}
