import { type FormEvent, useState } from "react";
import { api, type RolePermissions, repoPath } from "../../api.js";
import { AccessProblem, refusal } from "../../components/AccessProblem.js";
import { useData } from "../../use-data.js";

/** GitHub's repository roles, weakest first. */
export const ROLES = ["read", "triage", "write", "maintain", "admin"] as const;

export interface CollaboratorJson {
  id: number;
  login: string;
  role_name: string;
  permissions?: RolePermissions;
  site_admin?: boolean;
}

/** The role a collaborator answer names (role_name; else the strongest of its permission flags). */
function roleOf(c: CollaboratorJson): string {
  if (c.role_name) return c.role_name;
  const p = c.permissions;
  if (!p) return "";
  return p.admin ? "admin" : p.maintain ? "maintain" : p.push ? "write" : p.triage ? "triage" : "read";
}

/** Every collaborator (GitHub pages them by 100 at most). */
async function allCollaborators(base: string): Promise<CollaboratorJson[]> {
  const all: CollaboratorJson[] = [];
  for (let page = 1; ; page++) {
    const list = await api<CollaboratorJson[]>(`${base}/collaborators?per_page=100&page=${page}`);
    all.push(...list);
    if (list.length < 100) return all;
  }
}

/** The collaborators tab: who has which role; an admin adds, changes and removes them. */
export function Collaborators({
  owner,
  repo,
  canManage,
}: {
  owner: string;
  repo: string;
  /** Whether the caller is the repository's admin: undefined while that is not known yet. */
  canManage: boolean | undefined;
}) {
  const base = repoPath(owner, repo);
  const list = useData(() => allCollaborators(base), `collaborators:${owner}/${repo}`);
  const [login, setLogin] = useState("");
  const [role, setRole] = useState<string>("write");
  const [problem, setProblem] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Controls only once the caller's role is known to be admin: never shown, even for a moment, to a writer.
  const manage = canManage === true;

  async function put(who: string, permission: string, what: string) {
    setBusy(true);
    setProblem(null);
    setDone(null);
    try {
      await api(`${base}/collaborators/${encodeURIComponent(who)}`, { method: "PUT", json: { permission } });
      setDone(what);
      list.reload();
      return true;
    } catch (err) {
      setProblem(refusal(err));
      return false;
    } finally {
      setBusy(false);
    }
  }

  async function add(e: FormEvent) {
    e.preventDefault();
    const who = login.trim();
    if (!who) {
      setProblem("Enter the login of the user to add.");
      return;
    }
    if (await put(who, role, `${who} is now a collaborator with the ${role} role.`)) setLogin("");
  }

  async function remove(who: string) {
    if (!confirm(`Remove ${who} from ${owner}/${repo}?`)) return;
    setBusy(true);
    setProblem(null);
    setDone(null);
    try {
      await api(`${base}/collaborators/${encodeURIComponent(who)}`, { method: "DELETE" });
      setDone(`${who} was removed.`);
      list.reload();
    } catch (err) {
      setProblem(refusal(err));
    } finally {
      setBusy(false);
    }
  }

  if (list.error && !list.data)
    return <AccessProblem error={list.error} what={`the collaborators of ${owner}/${repo}`} />;
  return (
    <section aria-labelledby="collaborators-title">
      <h2 id="collaborators-title">Collaborators</h2>
      <p className="muted">
        Who may do what on this repository: read sees runs and logs; write also dispatches, cancels and
        re-runs; maintain also changes settings that are not secrets; admin also manages collaborators,
        secrets and variables. Site admins may do everything everywhere.
      </p>
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
        <p className="muted">No collaborators yet.</p>
      ) : (
        <div className="table-scroll">
          <table className="card table" aria-label="Collaborators">
            <thead>
              <tr>
                <th scope="col">Login</th>
                <th scope="col">Role</th>
                {manage && (
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {list.data.map((c) => (
                <tr key={c.login} data-login={c.login}>
                  <td>
                    <strong>{c.login}</strong>
                  </td>
                  <td>
                    {manage ? (
                      <select
                        aria-label={`Role of ${c.login}`}
                        value={roleOf(c)}
                        disabled={busy}
                        onChange={(e) =>
                          put(c.login, e.target.value, `${c.login} now has the ${e.target.value} role.`)
                        }
                      >
                        {!ROLES.includes(roleOf(c) as (typeof ROLES)[number]) && <option>{roleOf(c)}</option>}
                        {ROLES.map((r) => (
                          <option key={r}>{r}</option>
                        ))}
                      </select>
                    ) : (
                      <span className="label">{roleOf(c)}</span>
                    )}
                  </td>
                  {manage && (
                    <td className="row-actions">
                      <button
                        type="button"
                        className="danger"
                        disabled={busy}
                        onClick={() => remove(c.login)}
                      >
                        Remove<span className="sr-only"> {c.login}</span>
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {manage && (
        <form className="card settings-form" onSubmit={add} aria-labelledby="add-collaborator">
          <h3 id="add-collaborator">Add a collaborator</h3>
          <div className="form-row">
            <div className="filter">
              <label htmlFor="collaborator-login">Login</label>
              <input
                id="collaborator-login"
                value={login}
                onChange={(e) => setLogin(e.target.value)}
                autoComplete="off"
                spellCheck={false}
              />
            </div>
            <div className="filter">
              <label htmlFor="collaborator-role">Role</label>
              <select id="collaborator-role" value={role} onChange={(e) => setRole(e.target.value)}>
                {ROLES.map((r) => (
                  <option key={r}>{r}</option>
                ))}
              </select>
            </div>
            <button type="submit" className="primary" disabled={busy}>
              Add collaborator
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
