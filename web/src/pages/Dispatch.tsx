import { type FormEvent, type ReactNode, useEffect, useState } from "react";
import { ApiError, api, type DispatchInputJson, type RepoJson, repoPath, type WorkflowJson } from "../api.js";
import { Problem } from "../components/Layout.js";
import { RefPicker } from "../components/RefPicker.js";
import { placeErrors } from "../dispatch-errors.js";
import { Link, navigate, useTitle } from "../router.js";
import { useData } from "../use-data.js";

interface Props {
  owner: string;
  repo: string;
  file: string;
}

type Values = Record<string, string | boolean>;

/** The inputs' defaults; what was entered for an input of the same name and kind is kept (another ref). */
function initialValues(inputs: DispatchInputJson[], entered: Values = {}): Values {
  const values: Values = {};
  for (const i of inputs) {
    const kept = entered[i.name];
    if (kept !== undefined && typeof kept === (i.type === "boolean" ? "boolean" : "string")) {
      if (i.type !== "choice" || i.options.includes(String(kept)) || kept === "") {
        values[i.name] = kept;
        continue;
      }
    }
    if (i.type === "boolean") values[i.name] = i.default === "true";
    else if (i.type === "choice") values[i.name] = i.default ?? i.options[0] ?? "";
    else values[i.name] = i.default ?? "";
  }
  return values;
}

function Field({
  input,
  value,
  error,
  onChange,
}: {
  input: DispatchInputJson;
  value: string | boolean;
  error?: string;
  onChange: (v: string | boolean) => void;
}) {
  const id = `input-${input.name}`;
  const described = error ? `${id}-error` : "";
  const common = {
    id,
    name: input.name,
    "aria-invalid": error ? true : undefined,
    "aria-describedby": described || undefined,
  };
  // As GitHub's form: the description says what to enter; the input's id beside it.
  const label = (
    <>
      {input.description || input.name}
      {input.description && <code className="input-id">{input.name}</code>}
      {input.required && (
        <span className="required" title="required">
          {" "}
          *
        </span>
      )}
    </>
  );
  let control: ReactNode;
  if (input.type === "boolean") {
    return (
      <div className="field">
        <label className="check" htmlFor={id}>
          <input
            {...common}
            type="checkbox"
            checked={value === true}
            onChange={(e) => onChange(e.target.checked)}
          />
          {label}
        </label>
        {error && (
          <p id={`${id}-error`} className="field-error" role="alert">
            {error}
          </p>
        )}
      </div>
    );
  }
  if (input.type === "choice") {
    control = (
      <select
        {...common}
        value={String(value)}
        onChange={(e) => onChange(e.target.value)}
        required={input.required}
      >
        {!input.required && <option value="">—</option>}
        {input.options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    );
  } else {
    control = (
      <input
        {...common}
        type={input.type === "number" ? "number" : "text"}
        step={input.type === "number" ? "any" : undefined}
        value={String(value)}
        onChange={(e) => onChange(e.target.value)}
        required={input.required}
        placeholder={input.type === "environment" ? "environment name" : undefined}
      />
    );
  }
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {control}
      {error && (
        <p id={`${id}-error`} className="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

/** Dispatch: a form made from the workflow's workflow_dispatch inputs; the server's errors by their fields. */
export function Dispatch({ owner, repo, file }: Props) {
  const base = `${repoPath(owner, repo)}`;
  const repoData = useData(() => api<RepoJson>(base), base);
  const [ref, setRef] = useState("");
  const [asked, setAsked] = useState("");
  useEffect(() => {
    if (repoData.data && !ref) {
      setRef(repoData.data.default_branch);
      setAsked(repoData.data.default_branch);
    }
  }, [repoData.data, ref]);
  const wf = useData(
    () =>
      asked
        ? api<WorkflowJson>(
            `${base}/actions/workflows/${encodeURIComponent(file)}?ref=${encodeURIComponent(asked)}`,
          )
        : Promise.resolve(undefined),
    `${base}/${file}@${asked}`,
  );
  // The form stays as it is while a ref's workflow loads or fails to (no input lost).
  const [inputs, setInputs] = useState<DispatchInputJson[]>([]);
  const [values, setValues] = useState<Values>({});
  const [errors, setErrors] = useState<ReturnType<typeof placeErrors>>({ fields: {}, form: [] });
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const loaded = wf.data?.dispatch_inputs;
    if (!loaded) return;
    setInputs(loaded);
    setValues((entered) => initialValues(loaded, entered));
  }, [wf.data]);
  useTitle(`Run ${wf.data?.name ?? file}`);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setErrors({ fields: {}, form: [] });
    const given: Record<string, string | boolean | number> = {};
    for (const i of inputs) {
      const v = values[i.name];
      if (typeof v === "boolean") given[i.name] = v;
      else if (v !== "") given[i.name] = v;
    }
    try {
      const answer = await api<{ workflow_run_id: number }>(
        `${base}/actions/workflows/${encodeURIComponent(file)}/dispatches`,
        { method: "POST", json: { ref: ref.trim(), inputs: given, return_run_details: true } },
      );
      navigate(`/${owner}/${repo}/runs/${answer.workflow_run_id}`);
    } catch (err) {
      if (err instanceof ApiError) setErrors(placeErrors(err.message, err.errors));
      else setErrors({ fields: {}, form: [String(err)] });
    } finally {
      setBusy(false);
    }
  }

  if (repoData.error) return <Problem error={repoData.error} />;
  return (
    <div className="dispatch-page">
      <nav className="crumbs" aria-label="Breadcrumbs">
        <Link to={`/runs?repo=${encodeURIComponent(`${owner}/${repo}`)}`}>
          {owner}/{repo}
        </Link>
      </nav>
      <h1>Run {wf.data?.name ?? file}</h1>
      <form className="card dispatch" onSubmit={submit} noValidate>
        {errors.form.length > 0 && (
          <ul className="problem" role="alert">
            {errors.form.map((f) => (
              <li key={f}>{f}</li>
            ))}
          </ul>
        )}
        <div className="field">
          <span className="field-label" id="ref-label">
            Use workflow from
          </span>
          <RefPicker
            owner={owner}
            repo={repo}
            value={ref}
            describedBy={errors.ref ? "ref-error" : undefined}
            onChange={(r) => {
              setRef(r);
              setAsked(r);
              setErrors((e) => ({ ...e, ref: undefined }));
            }}
          />
          {errors.ref && (
            <p id="ref-error" className="field-error" role="alert">
              {errors.ref}
            </p>
          )}
        </div>
        {wf.error && <Problem error={wf.error} />}
        {wf.data && wf.data.dispatch_inputs === null && (
          <p className="problem">This workflow has no workflow_dispatch trigger at {asked}.</p>
        )}
        {inputs.map((i) => (
          <Field
            key={i.name}
            input={i}
            value={values[i.name] ?? ""}
            error={errors.fields[i.name]}
            onChange={(v) => setValues((s) => ({ ...s, [i.name]: v }))}
          />
        ))}
        <button type="submit" className="primary" disabled={busy || !wf.data?.dispatch_inputs}>
          {busy ? "Starting…" : "Run workflow"}
        </button>
      </form>
    </div>
  );
}
