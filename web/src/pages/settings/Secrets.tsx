import { type FormEvent, useRef, useState } from "react";
import { api, repoPath } from "../../api.js";
import { AccessProblem, refusal } from "../../components/AccessProblem.js";
import { timeAgo } from "../../format.js";
import { sealFor } from "../../seal.js";
import { useData } from "../../use-data.js";

export interface SecretJson {
  name: string;
  created_at: string;
  updated_at: string;
}

/** Every secret's name and dates (GitHub pages them by 100 at most); never a value. */
async function allSecrets(base: string): Promise<SecretJson[]> {
  const all: SecretJson[] = [];
  for (let page = 1; ; page++) {
    const list = await api<{ total_count: number; secrets: SecretJson[] }>(
      `${base}/actions/secrets?per_page=100&page=${page}`,
    );
    all.push(...list.secrets);
    if (list.secrets.length < 100 || all.length >= list.total_count) return all;
  }
}

/**
 * The secrets tab: names and dates only (the server never gives a value back). A new or changed
 * value is sealed here, in the browser, with the repository's public key before it is sent.
 */
export function Secrets({ owner, repo }: { owner: string; repo: string }) {
  const base = repoPath(owner, repo);
  const list = useData(() => allSecrets(base), `secrets:${owner}/${repo}`);
  const [name, setName] = useState("");
  const [value, setValue] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const valueField = useRef<HTMLTextAreaElement>(null);

  async function save(e: FormEvent) {
    e.preventDefault();
    const secret = name.trim();
    if (!secret || !value) {
      setProblem(!secret ? "Enter the secret's name." : "Enter the secret's value.");
      return;
    }
    setBusy(true);
    setProblem(null);
    setDone(null);
    try {
      const key = await api<{ key_id: string; key: string }>(`${base}/actions/secrets/public-key`);
      const encrypted = await sealFor(key.key, value);
      const existed = list.data?.some((s) => s.name.toUpperCase() === secret.toUpperCase());
      await api(`${base}/actions/secrets/${encodeURIComponent(secret)}`, {
        method: "PUT",
        json: { encrypted_value: encrypted, key_id: key.key_id },
      });
      setDone(`Secret ${secret} ${existed ? "updated" : "added"}.`);
      setName("");
      setValue("");
      list.reload();
    } catch (err) {
      setProblem(refusal(err));
    } finally {
      setBusy(false);
    }
  }

  async function remove(secret: string) {
    if (!confirm(`Remove the secret ${secret} from ${owner}/${repo}?`)) return;
    setBusy(true);
    setProblem(null);
    setDone(null);
    try {
      await api(`${base}/actions/secrets/${encodeURIComponent(secret)}`, { method: "DELETE" });
      setDone(`Secret ${secret} removed.`);
      list.reload();
    } catch (err) {
      setProblem(refusal(err));
    } finally {
      setBusy(false);
    }
  }

  function update(secret: string) {
    setName(secret);
    setValue("");
    setDone(null);
    valueField.current?.focus();
  }

  if (list.error && !list.data)
    return <AccessProblem error={list.error} what={`the secrets of ${owner}/${repo}`} />;
  return (
    <section aria-labelledby="secrets-title">
      <h2 id="secrets-title">Actions secrets</h2>
      <p className="muted">
        Workflows read them as <code>{"${{ secrets.NAME }}"}</code>; they show as <code>***</code> in logs. A
        value is sealed in this browser with the repository's public key before it is sent, and the server
        never shows it again: to change one, enter a new value.
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
        <p className="muted">No secrets yet.</p>
      ) : (
        <div className="table-scroll">
          <table className="card table" aria-label="Secrets">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Updated</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((s) => (
                <tr key={s.name} data-name={s.name}>
                  <td>
                    <code>{s.name}</code>
                  </td>
                  <td>
                    <time dateTime={s.updated_at} title={new Date(s.updated_at).toLocaleString()}>
                      {timeAgo(s.updated_at)}
                    </time>
                  </td>
                  <td className="row-actions">
                    <button type="button" disabled={busy} onClick={() => update(s.name)}>
                      Update<span className="sr-only"> {s.name}</span>
                    </button>
                    <button type="button" className="danger" disabled={busy} onClick={() => remove(s.name)}>
                      Remove<span className="sr-only"> {s.name}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form className="card settings-form" onSubmit={save} aria-labelledby="secret-form-title">
        <h3 id="secret-form-title">Add or update a secret</h3>
        <div className="filter">
          <label htmlFor="secret-name">Name</label>
          <input
            id="secret-name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            autoComplete="off"
            spellCheck={false}
            placeholder="e.g. DEPLOY_KEY"
          />
        </div>
        <div className="filter">
          <label htmlFor="secret-value">Value</label>
          <textarea
            id="secret-value"
            ref={valueField}
            value={value}
            onChange={(e) => setValue(e.target.value)}
            autoComplete="off"
            spellCheck={false}
            rows={3}
          />
        </div>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Saving…" : "Save secret"}
        </button>
      </form>
    </section>
  );
}
