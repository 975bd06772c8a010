import { type FormEvent, useState } from "react";
import { api, type UserJson } from "../api.js";
import { AccessProblem, refusal, SiteAdminsOnly } from "../components/AccessProblem.js";
import { timeAgo } from "../format.js";
import { useMe } from "../me.js";
import { useTitle } from "../router.js";
import { useData } from "../use-data.js";

const PER_PAGE = 100;
/** A personal token's scopes (GitHub's names): repo acts on repositories, user on oneself and one's tokens. */
const SCOPES = [
  { name: "repo", what: "repositories, as the user's roles allow" },
  { name: "user", what: "the user's own profile and tokens" },
  { name: "site_admin", what: "site administration (site admins only)" },
] as const;

/** A token just made: its value, shown this once. */
interface NewToken {
  login: string;
  note: string;
  token: string;
}

/** Every user, in the order they were made (GitHub pages them by `since`, the last id seen). */
async function allUsers(): Promise<UserJson[]> {
  const all: UserJson[] = [];
  for (let since = 0; ; ) {
    const page = await api<UserJson[]>(`/users?per_page=${PER_PAGE}&since=${since}`);
    all.push(...page);
    if (page.length < PER_PAGE) return all;
    since = page[page.length - 1].id;
  }
}

/** Site admins' page: the users; add, suspend, promote, remove them, and make a token for one. */
export function Users() {
  useTitle("Users");
  const me = useMe();
  const list = useData(allUsers, "users");
  const [problem, setProblem] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [login, setLogin] = useState("");
  const [email, setEmail] = useState("");
  const [tokenFor, setTokenFor] = useState<string | null>(null);
  const [tokensOf, setTokensOf] = useState<string | null>(null);
  const [made, setMade] = useState<NewToken | null>(null);

  async function act(what: () => Promise<unknown>, said: string): Promise<boolean> {
    setBusy(true);
    setProblem(null);
    setDone(null);
    try {
      await what();
      setDone(said);
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
      setProblem("Enter the new user's login.");
      return;
    }
    const body: { login: string; email?: string } = { login: who };
    if (email.trim()) body.email = email.trim();
    if (await act(() => api("/admin/users", { method: "POST", json: body }), `User ${who} added.`)) {
      setLogin("");
      setEmail("");
    }
  }

  const patch = (u: UserJson, json: { suspended?: boolean; site_admin?: boolean }, said: string) =>
    act(() => api(`/users/${encodeURIComponent(u.login)}`, { method: "PATCH", json }), said);

  function remove(u: UserJson) {
    if (!confirm(`Remove the user ${u.login}? Their tokens stop working and their roles are removed.`))
      return;
    act(
      () => api(`/admin/users/${encodeURIComponent(u.login)}`, { method: "DELETE" }),
      `User ${u.login} removed.`,
    );
  }

  // Any person may list users (as on GitHub); managing them is a site admin's.
  if (me && !me.site_admin)
    return (
      <div className="admin-page">
        <h1>Users</h1>
        <SiteAdminsOnly what="manage users" />
      </div>
    );
  if (list.error && !list.data) return <AccessProblem error={list.error} what="the users of this server" />;
  return (
    <div className="admin-page">
      <h1>Users</h1>
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
      {made && <TokenShownOnce made={made} onDone={() => setMade(null)} />}
      {!list.data ? (
        <p className="muted">Loading…</p>
      ) : (
        <div className="table-scroll">
          <table className="card table" aria-label="Users">
            <thead>
              <tr>
                <th scope="col">Login</th>
                <th scope="col">Email</th>
                <th scope="col">Status</th>
                <th scope="col">Added</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((u) => (
                <tr key={u.id} data-login={u.login}>
                  <td>
                    <strong>{u.login}</strong>
                    {u.login === me?.login && <span className="muted small"> (you)</span>}
                  </td>
                  <td>{u.email ?? <span className="muted">—</span>}</td>
                  <td className="labels">
                    {u.site_admin && <span className="label">site admin</span>}
                    {u.suspended_at ? (
                      <span
                        className="label label-danger"
                        title={`since ${new Date(u.suspended_at).toLocaleString()}`}
                      >
                        suspended
                      </span>
                    ) : (
                      <span className="label">active</span>
                    )}
                  </td>
                  <td>{u.created_at ? timeAgo(u.created_at) : ""}</td>
                  <td className="row-actions">
                    <button
                      type="button"
                      disabled={busy}
                      onClick={() =>
                        patch(
                          u,
                          { suspended: !u.suspended_at },
                          `${u.login} ${u.suspended_at ? "unsuspended" : "suspended"}.`,
                        )
                      }
                    >
                      {u.suspended_at ? "Unsuspend" : "Suspend"}
                      <span className="sr-only"> {u.login}</span>
                    </button>
                    <button
                      type="button"
                      disabled={busy}
                      onClick={() =>
                        patch(
                          u,
                          { site_admin: !u.site_admin },
                          `${u.login} is ${u.site_admin ? "no longer" : "now"} a site admin.`,
                        )
                      }
                    >
                      {u.site_admin ? "Remove site admin" : "Make site admin"}
                      <span className="sr-only"> {u.login}</span>
                    </button>
                    <button
                      type="button"
                      disabled={busy || !!u.suspended_at}
                      onClick={() => {
                        setTokenFor(u.login);
                        setMade(null);
                        setDone(null);
                      }}
                    >
                      Make token<span className="sr-only"> for {u.login}</span>
                    </button>
                    <button type="button" disabled={busy} onClick={() => setTokensOf(u.login)}>
                      Tokens<span className="sr-only"> of {u.login}</span>
                    </button>
                    <button type="button" className="danger" disabled={busy} onClick={() => remove(u)}>
                      Remove<span className="sr-only"> {u.login}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {tokensOf && (
        <UserTokens
          key={`${tokensOf}:${made?.token ?? ""}`}
          login={tokensOf}
          onClose={() => setTokensOf(null)}
        />
      )}
      {tokenFor && (
        <TokenForm
          login={tokenFor}
          siteAdmin={!!list.data?.find((u) => u.login === tokenFor)?.site_admin}
          onMade={(t) => {
            setMade(t);
            setTokenFor(null);
          }}
          onCancel={() => setTokenFor(null)}
        />
      )}
      <form className="card settings-form" onSubmit={add} aria-labelledby="add-user">
        <h2 id="add-user">Add a user</h2>
        <div className="form-row">
          <div className="filter">
            <label htmlFor="user-login">Login</label>
            <input
              id="user-login"
              value={login}
              onChange={(e) => setLogin(e.target.value)}
              autoComplete="off"
              spellCheck={false}
            />
          </div>
          <div className="filter">
            <label htmlFor="user-email">Email (optional)</label>
            <input id="user-email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} />
          </div>
          <button type="submit" className="primary" disabled={busy}>
            Add user
          </button>
        </div>
      </form>
    </div>
  );
}

/** A personal token as the API lists it: never its value, only its last eight characters. */
interface TokenJson {
  id: number;
  note: string;
  scopes: string[];
  token_last_eight: string;
  created_at: string;
  expires_at: string | null;
}

/** A user's personal tokens (not revoked), each with a Revoke button. */
function UserTokens({ login, onClose }: { login: string; onClose: () => void }) {
  const base = `/admin/users/${encodeURIComponent(login)}/authorizations`;
  const list = useData(() => api<TokenJson[]>(base), `tokens:${login}`);
  const [problem, setProblem] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);

  async function revoke(t: TokenJson) {
    if (!confirm(`Revoke ${login}'s token "${t.note}"? Whatever uses it is refused from now on.`)) return;
    setProblem(null);
    try {
      await api(`${base}/${t.id}`, { method: "DELETE" });
      setDone(`Token "${t.note}" of ${login} revoked.`);
      list.reload();
    } catch (err) {
      setProblem(refusal(err));
    }
  }

  return (
    <section className="card settings-form user-tokens" aria-labelledby="user-tokens-title">
      <h2 id="user-tokens-title">Tokens of {login}</h2>
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
      {list.error && <AccessProblem error={list.error} what={`the tokens of ${login}`} />}
      {!list.data ? (
        !list.error && <p className="muted">Loading…</p>
      ) : list.data.length === 0 ? (
        <p className="muted">No tokens.</p>
      ) : (
        <div className="table-scroll">
          <table className="table" aria-label={`Tokens of ${login}`}>
            <thead>
              <tr>
                <th scope="col">Note</th>
                <th scope="col">Scopes</th>
                <th scope="col">Ends in</th>
                <th scope="col">Made</th>
                <th scope="col">Expires</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((t) => (
                <tr key={t.id}>
                  <td>{t.note}</td>
                  <td>
                    <code>{t.scopes.join(", ")}</code>
                  </td>
                  <td>
                    <code>…{t.token_last_eight}</code>
                  </td>
                  <td>{timeAgo(t.created_at)}</td>
                  <td>{t.expires_at ? new Date(t.expires_at).toLocaleDateString() : "never"}</td>
                  <td className="row-actions">
                    <button type="button" className="danger" onClick={() => revoke(t)}>
                      Revoke<span className="sr-only"> {t.note}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="actions">
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </section>
  );
}

/** The form making a personal token for a user: its note, scopes and expiry. */
function TokenForm({
  login,
  siteAdmin,
  onMade,
  onCancel,
}: {
  login: string;
  siteAdmin: boolean;
  onMade: (t: NewToken) => void;
  onCancel: () => void;
}) {
  const [note, setNote] = useState("");
  const [scopes, setScopes] = useState<string[]>(["repo", "user"]);
  const [expires, setExpires] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!note.trim()) {
      setProblem("Enter a note: what the token is for.");
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      const body: { note: string; scopes: string[]; expires_at?: string } = { note: note.trim(), scopes };
      if (expires) body.expires_at = new Date(`${expires}T23:59:59`).toISOString();
      const answer = await api<{ token: string; note: string }>(
        `/admin/users/${encodeURIComponent(login)}/authorizations`,
        { method: "POST", json: body },
      );
      onMade({ login, note: answer.note, token: answer.token });
    } catch (err) {
      setProblem(refusal(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card settings-form" onSubmit={submit} aria-labelledby="token-form-title">
      <h2 id="token-form-title">A personal token for {login}</h2>
      {problem && (
        <p className="problem" role="alert">
          {problem}
        </p>
      )}
      <div className="filter">
        <label htmlFor="token-note">Note</label>
        <input
          id="token-note"
          value={note}
          onChange={(e) => setNote(e.target.value)}
          placeholder="laptop, deploy script…"
          autoComplete="off"
        />
      </div>
      <fieldset className="scopes">
        <legend>Scopes</legend>
        {SCOPES.filter((s) => s.name !== "site_admin" || siteAdmin).map((s) => (
          <label key={s.name} className="check">
            <input
              type="checkbox"
              checked={scopes.includes(s.name)}
              onChange={(e) =>
                setScopes((now) => (e.target.checked ? [...now, s.name] : now.filter((x) => x !== s.name)))
              }
            />
            <code>{s.name}</code> <span className="muted">{s.what}</span>
          </label>
        ))}
      </fieldset>
      <div className="filter">
        <label htmlFor="token-expires">Expires (optional)</label>
        <input id="token-expires" type="date" value={expires} onChange={(e) => setExpires(e.target.value)} />
      </div>
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          Make token
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** A new token's value, shown once: the server keeps only its hash. */
function TokenShownOnce({ made, onDone }: { made: NewToken; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <section className="card token-once" aria-labelledby="token-once-title">
      <h2 id="token-once-title">
        New token for {made.login} ({made.note})
      </h2>
      <p>Copy it now: it is shown this once, and the server keeps only its hash.</p>
      <div className="token-value">
        <code data-testid="new-token">{made.token}</code>
        <button
          type="button"
          onClick={() =>
            navigator.clipboard?.writeText(made.token).then(
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
