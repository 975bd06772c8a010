import { type FormEvent, useRef, useState } from "react";
import { api, repoPath } from "../../api.js";
import { AccessProblem, refusal } from "../../components/AccessProblem.js";
import { timeAgo } from "../../format.js";
import { useData } from "../../use-data.js";

export interface VariableJson {
  name: string;
  value: string;
  created_at: string;
  updated_at: string;
}

/** Every variable with its value (GitHub pages them by 30 at most). */
async function allVariables(base: string): Promise<VariableJson[]> {
  const all: VariableJson[] = [];
  for (let page = 1; ; page++) {
    const list = await api<{ total_count: number; variables: VariableJson[] }>(
      `${base}/actions/variables?per_page=30&page=${page}`,
    );
    all.push(...list.variables);
    if (list.variables.length < 30 || all.length >= list.total_count) return all;
  }
}

/** The variables tab: names and values; add, change, remove. */
export function Variables({ owner, repo }: { owner: string; repo: string }) {
  const base = repoPath(owner, repo);
  const list = useData(() => allVariables(base), `variables:${owner}/${repo}`);
  const [name, setName] = useState("");
  const [value, setValue] = useState("");
  /** The variable being changed (its name as listed), or null when adding one. */
  const [editing, setEditing] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const nameField = useRef<HTMLInputElement>(null);

  async function save(e: FormEvent) {
    e.preventDefault();
    const variable = name.trim();
    if (!variable) {
      setProblem("Enter the variable's name.");
      return;
    }
    setBusy(true);
    setProblem(null);
    setDone(null);
    try {
      if (editing) {
        await api(`${base}/actions/variables/${encodeURIComponent(editing)}`, {
          method: "PATCH",
          json: { name: variable, value },
        });
        setDone(`Variable ${variable} updated.`);
      } else {
        await api(`${base}/actions/variables`, { method: "POST", json: { name: variable, value } });
        setDone(`Variable ${variable} added.`);
      }
      setName("");
      setValue("");
      setEditing(null);
      list.reload();
    } catch (err) {
      setProblem(refusal(err));
    } finally {
      setBusy(false);
    }
  }

  async function remove(variable: string) {
    if (!confirm(`Remove the variable ${variable} from ${owner}/${repo}?`)) return;
    setBusy(true);
    setProblem(null);
    setDone(null);
    try {
      await api(`${base}/actions/variables/${encodeURIComponent(variable)}`, { method: "DELETE" });
      setDone(`Variable ${variable} removed.`);
      if (editing === variable) setEditing(null);
      list.reload();
    } catch (err) {
      setProblem(refusal(err));
    } finally {
      setBusy(false);
    }
  }

  function edit(v: VariableJson) {
    setEditing(v.name);
    setName(v.name);
    setValue(v.value);
    setDone(null);
    nameField.current?.focus();
  }

  function cancel() {
    setEditing(null);
    setName("");
    setValue("");
  }

  if (list.error && !list.data)
    return <AccessProblem error={list.error} what={`the variables of ${owner}/${repo}`} />;
  return (
    <section aria-labelledby="variables-title">
      <h2 id="variables-title">Actions variables</h2>
      <p className="muted">
        Workflows read them as <code>{"${{ vars.NAME }}"}</code>. Their values are not secret: they show in
        logs and here.
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
        <p className="muted">No variables yet.</p>
      ) : (
        <div className="table-scroll">
          <table className="card table" aria-label="Variables">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Value</th>
                <th scope="col">Updated</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((v) => (
                <tr key={v.name} data-name={v.name}>
                  <td>
                    <code>{v.name}</code>
                  </td>
                  <td className="value-cell">
                    <code>{v.value}</code>
                  </td>
                  <td>
                    <time dateTime={v.updated_at} title={new Date(v.updated_at).toLocaleString()}>
                      {timeAgo(v.updated_at)}
                    </time>
                  </td>
                  <td className="row-actions">
                    <button type="button" disabled={busy} onClick={() => edit(v)}>
                      Edit<span className="sr-only"> {v.name}</span>
                    </button>
                    <button type="button" className="danger" disabled={busy} onClick={() => remove(v.name)}>
                      Remove<span className="sr-only"> {v.name}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form className="card settings-form" onSubmit={save} aria-labelledby="variable-form-title">
        <h3 id="variable-form-title">{editing ? `Edit ${editing}` : "Add a variable"}</h3>
        <div className="filter">
          <label htmlFor="variable-name">Name</label>
          <input
            id="variable-name"
            ref={nameField}
            value={name}
            onChange={(e) => setName(e.target.value)}
            autoComplete="off"
            spellCheck={false}
            placeholder="e.g. DEPLOY_REGION"
          />
        </div>
        <div className="filter">
          <label htmlFor="variable-value">Value</label>
          <textarea
            id="variable-value"
            value={value}
            onChange={(e) => setValue(e.target.value)}
            spellCheck={false}
            rows={2}
          />
        </div>
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            {editing ? "Update variable" : "Add variable"}
          </button>
          {editing && (
            <button type="button" onClick={cancel}>
              Cancel
            </button>
          )}
        </div>
      </form>
    </section>
  );
}
